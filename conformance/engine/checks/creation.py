"""Resources of a check's own: the request that creates one, and where it then lives.

Checks that need a resource of their own (read after create, delete then read, an empty
collection to page through) create it with the request the spec calls valid. Where the spec
gives the body no example, Schemathesis would generate one; ``minimal`` makes the plainest
instance of the schema instead, so that the same seed sends the same request. ``Follower``
finds the created resource without a link: the Location header, else the id in the body
matched to the path parameter of a read one level below the creation's path.
``update_request`` changes such a resource with a PUT or PATCH the spec declares on its URL:
every plain field the resource shows and the update may set gets a value other than its own.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from jsonschema import Draft4Validator, FormatChecker

from conformance.engine.checks.active import ActiveContext
from conformance.engine.openapi.datetimes import SchemaWalker
from conformance.engine.openapi.operations import PATH_PARAMETER, OperationInfo, path_pattern
from conformance.engine.openapi.spec_requests import (
    MADE_UP,
    MAX_DEPTH,
    SpecRequest,
    composed_example,
    example_request,
    operation_object,
)
from conformance.httplimits import Exchange

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


# Values other than the one a field has, tried in order: each must fit the field's schema.
CHANGED_FORMATS = {
    "date": ("2024-01-02", "2024-01-03"),
    "date-time": ("2024-01-02T12:00:00Z", "2024-01-03T12:00:00Z"),
    "email": ("changed@example.org", "other@example.org"),
    "uuid": ("00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"),
    "uri": ("https://example.org/changed", "https://example.org/other"),
}
UPDATES = ("PUT", "PATCH")


def properties_of(schema: Any, walker: SchemaWalker, depth: int = 0) -> dict[str, dict[str, Any]]:
    """The properties an object schema declares (its own and its allOf parts'), resolved."""
    schema = walker.resolve(schema)
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return {}
    found: dict[str, dict[str, Any]] = {}
    for part in schema.get("allOf") or []:
        found.update(properties_of(part, walker, depth + 1))
    for name, value in (schema.get("properties") or {}).items():
        value = walker.resolve(value)
        if isinstance(value, dict):
            found[name] = value
    return found


def _fits(value: Any, schema: dict[str, Any]) -> bool:
    try:
        return bool(Draft4Validator(schema, format_checker=FormatChecker()).is_valid(value))
    except Exception:  # a schema jsonschema cannot judge: no value is known to fit
        return False


def _candidates(schema: dict[str, Any], old: Any) -> list[Any]:
    found = [schema["example"]] if "example" in schema else []
    if isinstance(schema.get("enum"), list):
        return found + list(schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):  # OpenAPI 3.1: ["string", "null"]
        kind = next((item for item in kind if item != "null"), None)
    if kind == "boolean":
        return [*found, not old if isinstance(old, bool) else True]
    if kind in ("integer", "number"):
        start = old if isinstance(old, int | float) and not isinstance(old, bool) else None
        low = schema.get("minimum", 1)
        return found + ([start + 1, start - 1] if start is not None else [low, low + 1])
    if kind == "string" and "pattern" not in schema:
        fmt = schema.get("format")
        if fmt is not None:
            return found + list(CHANGED_FORMATS.get(fmt, ()))
        length = max(7, int(schema.get("minLength", 0)))
        length = min(length, int(schema.get("maxLength", length)))
        return [*found, ("changed" * (length // 7 + 1))[:length], "y" * length, "z" * length]
    return found  # objects, arrays, patterns: only the spec's own example


def changed_value(schema: dict[str, Any], old: Any) -> tuple[bool, Any]:
    """(True, a value of ``schema`` other than ``old``), or (False, None) where none is known:
    plain values only, never a read-only or constant field."""
    if schema.get("readOnly") or "const" in schema:
        return False, None
    for value in _candidates(schema, old):
        if value != old and _fits(value, schema):
            return True, value
    return False, None


def update_request(
    ctx: ActiveContext, operation: OperationInfo, current: dict[str, Any], rng: random.Random
) -> tuple[SpecRequest, dict[str, Any]] | None:
    """The request with which ``operation`` (a PUT or PATCH on the resource's URL) changes
    ``current`` (the resource as read), and the fields it changes with their new values; None
    where the update takes no JSON body or no field the resource shows can be changed."""
    request = example_request(ctx.document, operation, rng)
    kind = request.headers.get("Content-Type", "")
    if "json" not in kind:
        return None
    walker = SchemaWalker(ctx.document)
    body = walker.resolve(operation_object(ctx.document, operation).get("requestBody") or {})
    schema = walker.resolve(
        walker.resolve((body.get("content") or {}).get(kind) or {}).get("schema") or {}
    )
    if not isinstance(schema, dict):
        return None
    properties = properties_of(schema, walker)
    value: dict[str, Any] = {}
    if request.body_from_example and isinstance(request.body_value, dict):
        value = dict(request.body_value)
    for name, field_schema in properties.items():
        # A PUT replaces the resource: what it shows and may be written stays as it is.
        keep = operation.method == "PUT" and not field_schema.get("readOnly")
        if name in current and (keep or name in (schema.get("required") or [])):
            value.setdefault(name, current[name])
    for name in schema.get("required") or []:
        value.setdefault(name, minimal(properties.get(name, {}), walker))
    changes = {}
    for name, field_schema in properties.items():
        if name in current:
            found, new = changed_value(field_schema, current[name])
            if found:
                changes[name] = new
    if not changes:
        return None
    value.update(changes)
    request.body_value, request.body = value, json.dumps(value).encode()
    return request, changes


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


@dataclass(frozen=True, slots=True)
class Resource:
    """A resource the API just created, and where the spec lets us read (and delete) it."""

    creation: OperationInfo
    read: OperationInfo
    url: str
    created: Exchange


def json_body(exchange: Exchange) -> Any:
    """The JSON an exchange's response carries (None when it carries none)."""
    response = exchange.response
    if response is None:
        return None
    try:
        return json.loads(response.body)
    except (UnicodeDecodeError, ValueError):
        return None


def _identifier(body: Any, parameter: str) -> str | None:
    """The value in a created resource's body that fills ``parameter`` (taskId <- id)."""
    if not isinstance(body, dict):
        return None
    for key in (parameter, "id", "identifier"):
        value = body.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)
    return None


class Follower:
    def __init__(self, ctx: ActiveContext) -> None:
        self.ctx = ctx
        self.base_path = urlsplit(ctx.base_url).path.rstrip("/")
        self.reads = [op for op in ctx.operations if op.method == "GET" and "{" in op.path]

    def locate(self, creation: OperationInfo, created: Exchange) -> Resource | None:
        response = created.response
        assert response is not None
        location = response.header("location")
        if location:
            url = urljoin(self.ctx.base_url + "/", location)
            path = urlsplit(url).path
            if path.startswith(self.base_path + "/"):
                relative = path[len(self.base_path) :]
                for read in self.reads:
                    if path_pattern(read.path).match(relative):
                        return Resource(creation, read, url, created)
        for read in self.reads:
            parent, _, last = read.path.rpartition("/")
            found = PATH_PARAMETER.fullmatch(last)
            if parent != creation.path or found is None:
                continue
            identifier = _identifier(json_body(created), found.group(1))
            if identifier is not None:
                url = self.ctx.url(read.path.replace(last, identifier))
                return Resource(creation, read, url, created)
        return None

    def updates_of(self, resource: Resource) -> list[OperationInfo]:
        """The PUT and PATCH the spec declares on the resource's own URL."""
        return [
            op
            for op in self.ctx.operations
            if op.method in UPDATES and op.path == resource.read.path
        ]

    def delete_of(self, resource: Resource) -> OperationInfo | None:
        return next(
            (
                op
                for op in self.ctx.operations
                if op.method == "DELETE" and op.path == resource.read.path
            ),
            None,
        )
