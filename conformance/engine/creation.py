"""The request that creates a resource: the spec's example, else the smallest valid body.

Checks that need a resource of their own (read after create, delete then read, an empty
collection to page through) create it with the request the spec calls valid. Where the spec
gives the body no example, Schemathesis would generate one; ``minimal`` makes the plainest
instance of the schema instead, so that the same seed sends the same request.
"""

from __future__ import annotations

import json
import random
from typing import Any

from conformance.engine.active import ActiveContext
from conformance.engine.datetimes import SchemaWalker
from conformance.engine.operations import OperationInfo
from conformance.engine.spec_requests import (
    MADE_UP,
    MAX_DEPTH,
    SpecRequest,
    composed_example,
    example_request,
    operation_object,
)

FORMATS = {
    "date": "2024-01-01",
    "date-time": "2024-01-01T12:00:00Z",
    "email": "test@example.org",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "uri": "https://example.org/",
}


def minimal(schema: Any, walker: SchemaWalker, depth: int = 0) -> Any:
    """The smallest plain instance of ``schema``: its example, default or first enum value where
    it gives one, else required properties only, the shortest string, the lowest number. For a
    creation whose spec gives no example body (Schemathesis would generate one)."""
    schema = walker.resolve(schema)
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return None
    found, value = composed_example(schema, walker)
    if found:
        return value
    for part in (schema.get("allOf") or [])[:1] + (
        schema.get("oneOf") or schema.get("anyOf") or []
    )[:1]:
        return minimal(part, walker, depth + 1)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        return {
            name: minimal(properties.get(name, {}), walker, depth + 1)
            for name in schema.get("required") or []
        }
    if kind == "array":
        return [minimal(schema.get("items") or {}, walker, depth + 1)] * schema.get("minItems", 0)
    if kind in ("integer", "number"):
        low = schema.get("minimum", 1)
        return int(low) if kind == "integer" else low
    if kind == "boolean":
        return False
    if kind == "string":
        if schema.get("format") in FORMATS:
            return FORMATS[schema["format"]]
        return "x" * max(int(schema.get("minLength", 1)), 1)
    return None


def creation_request(
    ctx: ActiveContext, operation: OperationInfo, rng: random.Random
) -> SpecRequest:
    request = example_request(ctx.document, operation, rng)
    kind = request.headers.get("Content-Type", "")
    if request.body_source == MADE_UP and "json" in kind:
        walker = SchemaWalker(ctx.document)
        body = walker.resolve(operation_object(ctx.document, operation).get("requestBody") or {})
        media = walker.resolve((body.get("content") or {}).get(kind) or {})
        value = minimal(media.get("schema") or {}, walker)
        request.body_value, request.body = value, json.dumps(value).encode()
    return request
