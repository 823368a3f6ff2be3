"""oas3-schema: the document validates against the OpenAPI 3.x JSON Schema.

Like Spectral's rule this reads the document as written (``$ref`` not resolved). The schemas are
the official ones shipped with openapi-spec-validator; validation uses jsonschema-rs, which is
fast enough for specs with thousands of operations. Messages and, for ``oneOf`` failures, the
exact node reported can differ from Spectral's (it rewrites ajv's errors its own way); the rule
and the failing object are the same.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from conformance.lint.context import LintContext
from conformance.lint.registry import Hit, rule
from conformance.lint.resolve import Pointer

_OAS3_1 = re.compile(r"^3\.1(?:\.[0-9]*)?\Z")
_OAS3_2 = re.compile(r"^3\.2(?:\.[0-9]*)?\Z")
_MAX_MESSAGE = 160


def _official_schema(minor: str) -> Any:
    """The OpenAPI schema file openapi-spec-validator ships, read without importing that
    package (its import pulls in HTTP clients and settings machinery: a third of a second)."""
    found = importlib.util.find_spec("openapi_spec_validator")
    if found is None or not found.submodule_search_locations:
        raise RuntimeError("openapi-spec-validator is not installed")
    schemas = Path(next(iter(found.submodule_search_locations))) / "resources" / "schemas"
    # openapi-spec-validator ships the 3.2 schema from 0.8 on; before that 3.2 reads as 3.1.
    path = schemas / f"v{minor}" / "schema.json"
    if not path.exists():
        path = schemas / "v3.1" / "schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def _validator(minor: str) -> Any:
    import jsonschema_rs

    return jsonschema_rs.validator_for(_official_schema(minor))


def _minor(openapi: object) -> str:
    text = str(openapi)
    if _OAS3_2.match(text):
        return "3.2"
    if _OAS3_1.match(text):
        return "3.1"
    return "3.0"


def _pointer(document: Any, path: list[str | int]) -> Pointer:
    """jsonschema-rs reports numeric object keys (``200``) as integers; restore their type."""
    pointer: list[str | int] = []
    node = document
    for segment in path:
        if type(node) is dict:
            segment = str(segment)
            node = node.get(segment)
        elif type(node) is list:
            segment = int(segment)
            node = node[segment] if 0 <= segment < len(node) else None
        pointer.append(segment)
    return tuple(pointer)


def _most_relevant(error: Any) -> Any:
    """For a failed oneOf/anyOf, the error of the branch the author most likely meant.

    Branches that only miss ``$ref`` are the "Reference Object" alternative and say nothing
    useful; of the others, the one with the fewest errors is the closest match.
    """
    branches = getattr(error.kind, "context", None)
    if not branches:
        return error
    useful = [
        branch
        for branch in branches
        if branch and not all('"$ref" is a required property' in e.message for e in branch)
    ]
    if not useful:
        return error
    best = min(useful, key=len)
    return _most_relevant(max(best, key=lambda e: len(e.instance_path)))


def _message(error: Any) -> str:
    text = error.message.splitlines()[0] if error.message else "invalid"
    if len(text) > _MAX_MESSAGE:
        text = text[: _MAX_MESSAGE - 3] + "..."
    return text.rstrip(".") + "."


@rule(
    "oas3-schema",
    adr="/core/publish-openapi",
    severity="error",
    origin="spectral:oas",
    needs_openapi3=True,
    description="Validate structure of OpenAPI v3 specification.",
)
def oas3_schema(ctx: LintContext) -> Iterator[Hit]:
    document = ctx.document
    validator = _validator(_minor(document.get("openapi")))
    try:
        errors = list(validator.iter_errors(document))
    except (TypeError, ValueError) as exc:  # not JSON data (e.g. a non-string key)
        yield Hit((), f"The document is not plain JSON data: {exc}.")
        return
    for error in errors:
        relevant = _most_relevant(error)
        where = _pointer(document, list(relevant.instance_path))
        unexpected = _unexpected(relevant)
        if unexpected is None:
            yield Hit(where, _message(relevant))
            continue
        # One finding per unexpected property, at that property, as Spectral reports them.
        for name in unexpected:
            yield Hit((*where, name), f'Property "{name}" is not expected to be here.')


def _unexpected(error: Any) -> list[str] | None:
    """The property names of an additionalProperties error, else None. (The OpenAPI 3.1 schema
    says unevaluatedProperties instead, which Spectral reports once, at the parent.)"""
    if type(error.kind).__name__ != "AdditionalProperties":
        return None
    names = getattr(error.kind, "unexpected", None)
    return [str(name) for name in names] if names else None
