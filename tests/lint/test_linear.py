"""The work of a lint grows linearly with the spec, even when $refs chain and fan out.

Timing is no test on a shared machine; what is counted here is the work itself: the nodes the
one walk over the resolved document visits (every rule reads from that walk), for specs where a
naive resolution would re-walk each chain of $refs again for every use.
"""

from __future__ import annotations

from typing import Any

from conformance.lint.walk import build_index


def chained(n: int) -> dict[str, Any]:
    """Schema i is allOf [schema i-1, own part]; operation i returns schema i."""
    schemas: dict[str, Any] = {"S0": {"type": "object", "properties": {"a": {"type": "string"}}}}
    for i in range(1, n):
        schemas[f"S{i}"] = {
            "allOf": [
                {"$ref": f"#/components/schemas/S{i - 1}"},
                {"type": "object", "properties": {f"p{i}": {"type": "string"}}},
            ]
        }
    paths = {
        f"/r{i}": {
            "get": {
                "responses": {
                    "200": {
                        "description": "x",
                        "content": {
                            "application/json": {"schema": {"$ref": f"#/components/schemas/S{i}"}}
                        },
                    }
                }
            }
        }
        for i in range(n)
    }
    return {"openapi": "3.0.3", "paths": paths, "components": {"schemas": schemas}}


def test_walk_is_linear_in_a_chain_of_refs() -> None:
    small, large = build_index(chained(100)).nodes, build_index(chained(400)).nodes
    assert large <= 4.2 * small  # a re-walk per use would be about 16 times


def test_operation_ids_are_checked_in_one_pass() -> None:
    from support.lint_helpers import lint

    doc = chained(300)
    for i, item in enumerate(doc["paths"].values()):
        item["get"]["operationId"] = f"op{i % 299}"  # one duplicate: op0
    duplicates = [f.path for f in lint(doc) if f.rule == "operation-operationId-unique"]
    assert duplicates == ["paths./r299.get.operationId"]
