"""The jsonschema-rs fast path for examples gives exactly the Python validators' findings.

Examples are first judged by jsonschema-rs; only what it cannot judge goes to the OpenAPI
validator (openapi-schema-validator). Linting with the fast path and with the Python validators
alone must give the same findings, messages included, on the official test cases and on a spec
with examples that break their schemas in every way the rules report.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.lint_helpers import REPO, TESTCASES, baseline

import conformance.lint.rules.examples as examples
from conformance.lint import lint_document, lint_spec
from conformance.spec import load_spec

EXAMPLE_RULES = ("oas3-valid-media-example", "oas3-valid-schema-example")


@pytest.fixture
def slow_only() -> Iterator[None]:
    examples._SLOW_ONLY = True
    try:
        yield
    finally:
        examples._SLOW_ONLY = False


def findings(document: Any) -> set[tuple[str, str, str]]:
    return {(f.rule, f.path, f.message) for f in lint_document(document) if f.rule in EXAMPLE_RULES}


def broken_examples() -> dict[str, Any]:
    doc = baseline()
    schemas = doc["components"]["schemas"]
    schemas["Item"] = {
        "type": "object",
        "required": ["naam", "aantal"],
        "properties": {
            "naam": {"type": "string", "maxLength": 5},
            "aantal": {"type": "integer", "minimum": 0},
            "soort": {"type": "string", "enum": ["a", "b"]},
            "datum": {"type": "string", "format": "date"},
            "id": {"type": "string", "readOnly": True},
            "opmerking": {"type": "string", "nullable": True},
            "labels": {"type": "array", "items": {"type": "string", "pattern": "^[a-z]+$"}},
        },
    }
    schemas["Samengesteld"] = {
        "allOf": [{"$ref": "#/components/schemas/Item"}, {"required": ["soort"]}]
    }
    schemas["Dubbel"] = {
        "allOf": [
            {"$ref": "#/components/schemas/Item"},
            {"properties": {"soort": {"type": "string", "enum": ["a", "b"]}}},
        ]
    }
    cases: list[tuple[str, Any]] = [
        ("Item", {"naam": 5, "aantal": 1}),  # type
        ("Item", {"naam": "a"}),  # required
        ("Item", {"naam": "a", "aantal": 1, "soort": "c"}),  # enum
        ("Item", {"naam": "a", "aantal": 1, "datum": "2024-02-30"}),  # format
        ("Item", {"naam": "abcdefg", "aantal": 1}),  # maxLength
        ("Item", {"naam": "a", "aantal": -1}),  # minimum
        ("Item", {"naam": "a", "aantal": 1, "labels": ["ok", "NOK"]}),  # pattern in an array
        ("Item", {"naam": 1, "aantal": "x", "soort": "c"}),  # several errors
        ("Item", {"naam": "a", "aantal": 1, "opmerking": None}),  # nullable: valid
        ("Item", {"naam": "a", "aantal": 1, "datum": None}),  # null, not nullable
        ("Item", {"naam": "a", "aantal": 1.5}),  # a float for an integer
        ("Samengesteld", {"naam": "a", "aantal": 1}),  # allOf: required
        ("Samengesteld", {"naam": "a", "aantal": 1, "soort": "z"}),  # allOf: enum
        ("Dubbel", {"naam": "a", "aantal": 1, "soort": "z"}),  # the same error twice
        ("Dubbel", {"naam": 1, "aantal": 1, "soort": "z"}),  # two different errors
    ]
    paths = doc["paths"]
    for i, (schema, example) in enumerate(cases):
        ref = {"$ref": f"#/components/schemas/{schema}"}
        paths[f"/geval-{i}"] = {
            "post": {
                "requestBody": {
                    "content": {"application/json": {"schema": ref, "example": example}}
                },
                "responses": {
                    "201": {
                        "description": "ok",
                        "headers": {"API-Version": {"schema": {"type": "string"}}},
                        "content": {"application/json": {"schema": ref, "example": example}},
                    },
                    "400": {"$ref": "#/components/responses/Problem"}
                    if "Problem" in doc["components"].get("responses", {})
                    else {"description": "fout"},
                },
            }
        }
        schemas[f"Voorbeeld{i}"] = {**copy.deepcopy(schemas[schema]), "example": example}
    return doc


def test_broken_examples_are_found() -> None:
    found = findings(broken_examples())
    assert len(found) >= 20


def test_fast_path_equals_the_python_validators(slow_only: None) -> None:
    doc = broken_examples()
    slow = findings(doc)
    examples._SLOW_ONLY = False
    assert findings(doc) == slow


@pytest.mark.parametrize(
    "path",
    [
        *sorted(str(p / "openapi.json") for p in TESTCASES.iterdir() if p.is_dir()),
        str(REPO / "fixtures" / "adr-differences" / "recursive-example" / "openapi.yaml"),
        *sorted(str(p) for p in (REPO / "fixtures" / "lint-cases").glob("*.yaml")),
        *sorted(str(p) for p in (REPO / "specs").glob("*/v1/openapi.yaml")),
    ],
    ids=lambda p: Path(p).stem if "lint-cases" in p else Path(p).parent.name,
)
def test_fast_path_equals_the_python_validators_on_real_specs(path: str, slow_only: None) -> None:
    spec = load_spec(path, require_openapi=False, keep_broken_refs=True, keep_duplicate_keys=True)
    slow = {(f.rule, f.path, f.message) for f in lint_spec(spec) if f.rule in EXAMPLE_RULES}
    examples._SLOW_ONLY = False
    fast = {(f.rule, f.path, f.message) for f in lint_spec(spec) if f.rule in EXAMPLE_RULES}
    assert fast == slow


def test_the_lint_case_is_this_spec() -> None:
    # fixtures/lint-cases/invalid-examples.yaml (with Spectral's recorded findings) is this spec.
    written = REPO / "fixtures" / "lint-cases" / "invalid-examples.yaml"
    assert load_spec(written).bundled == broken_examples()
