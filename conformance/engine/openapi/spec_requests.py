"""Requests the spec itself calls valid: one per operation, from its examples.

Security checks need a request that would succeed with the right credentials, so that a
rejection can only be about the credentials. ``example_request`` builds it from what the spec
writes down: path, query and header parameters from their examples (or a plausible value of
their type), the body from the first example of its JSON (or form) media type, or, when the
spec gives the body no example, composed from the examples it gives the body's parts (each
required property's ``example``, ``default`` or first ``enum`` value, as Schemathesis's
examples phase does). Headers that must be unique per request (an ``Idempotency-Key``, any
``format: uuid`` header) get a fresh value drawn from the caller's random generator, so a seed
repeats a run exactly.

``evaluate`` resolves an OpenAPI link's runtime expressions (``$response.body#/id``,
``$response.header.Location``, ``$request.path.x``, ...) against an exchange; a link's
``requestBody`` is merged into the body of the request it leads to (``with_link_body``), the
way Schemathesis merges it.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from conformance.engine.openapi.datetimes import SchemaWalker
from conformance.engine.openapi.operations import OperationInfo, sample_value

JSON_KINDS = ("application/json", "application/merge-patch+json")
FORM_KIND = "application/x-www-form-urlencoded"
EXAMPLE, COMPOSED, MADE_UP = "example", "composed", "made-up"
BODY_SOURCES = {
    EXAMPLE: "the spec's example",
    COMPOSED: "composed from the examples the spec gives its properties",
    MADE_UP: "an empty body: the spec gives no example request body",
}
MAX_DEPTH = 12  # composing stops here: a recursive schema has no finite example


@dataclass(slots=True)
class SpecRequest:
    operation: OperationInfo
    path: str  # the template with every path parameter filled in
    path_values: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    body_value: Any = None  # the body before encoding (for $request.body expressions)
    # Where the body comes from: EXAMPLE (the spec's example of the body), COMPOSED (the
    # examples of its parts) or MADE_UP (an empty body: the spec gives neither).
    body_source: str = "example"

    @property
    def body_from_example(self) -> bool:
        return self.body_source != MADE_UP

    def describe_body(self) -> str:
        return BODY_SOURCES[self.body_source]

    @property
    def method(self) -> str:
        return self.operation.method

    def target(self, extra_query: dict[str, str] | None = None) -> str:
        """Path and query string, relative to the base URL."""
        query = {**self.query, **(extra_query or {})}
        return self.path + ("?" + urlencode(query) if query else "")


def operation_object(document: dict[str, Any], operation: OperationInfo) -> dict[str, Any]:
    walker = SchemaWalker(document)
    item = walker.resolve((document.get("paths") or {}).get(operation.path) or {})
    found = item.get(operation.method.lower()) if isinstance(item, dict) else None
    return found if isinstance(found, dict) else {}


def is_secured(document: dict[str, Any], operation: OperationInfo) -> bool:
    """The operation demands credentials (see ``demands_credentials``)."""
    return demands_credentials(document, operation_object(document, operation))


def demands_credentials(document: dict[str, Any], operation: dict[str, Any]) -> bool:
    """An operation object demands credentials: a non-empty security list (its own, else the
    document's) without an empty ``{}`` alternative."""
    security = operation.get("security", document.get("security"))
    if not isinstance(security, list) or not security:
        return False
    return all(isinstance(item, dict) and item for item in security)


def _fresh_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _parameter_value(parameter: dict[str, Any], walker: SchemaWalker, rng: random.Random) -> str:
    schema = walker.resolve(parameter.get("schema") or {})
    name = str(parameter.get("name", "")).lower()
    if parameter.get("in") == "header" and (
        schema.get("format") == "uuid" or "idempotency" in name
    ):
        return _fresh_uuid(rng)
    return sample_value(parameter, walker)


def composed_example(schema: Any, walker: SchemaWalker, depth: int = 0) -> tuple[bool, Any]:
    """(found, value): a value made of the examples a schema gives itself or its parts.

    Its own ``example``, ``default`` or first ``enum`` value; for an object, every required
    property composed this way (optional ones are left out); for an array, one composed item;
    ``allOf`` parts merged, the first ``oneOf``/``anyOf`` branch that composes. Not found when
    a required part has nothing to go by: a value invented here would not be the spec's.
    """
    schema = walker.resolve(schema)
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return False, None
    for key in ("example", "default"):
        if key in schema:
            return True, schema[key]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return True, schema["enum"][0]
    if isinstance(schema.get("allOf"), list):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            found, value = composed_example(part, walker, depth + 1)
            if not found or not isinstance(value, dict):
                return False, None
            merged.update(value)
        return True, merged
    for combinator in ("oneOf", "anyOf"):
        for branch in schema.get(combinator) or []:
            found, value = composed_example(branch, walker, depth + 1)
            if found:
                return True, value
    if schema.get("type") == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        value = {}
        for name in schema.get("required") or []:
            found, item = composed_example(properties.get(name, {}), walker, depth + 1)
            if not found:
                return False, None
            value[name] = item
        return True, value
    if schema.get("type") == "array":
        found, item = composed_example(schema.get("items") or {}, walker, depth + 1)
        return (True, [item]) if found else (False, None)
    return False, None


def _example(media: dict[str, Any], walker: SchemaWalker) -> tuple[str, Any]:
    """(EXAMPLE/COMPOSED/MADE_UP, value) of a media type's body."""
    if "example" in media:
        return EXAMPLE, media["example"]
    for example in (media.get("examples") or {}).values():
        example = walker.resolve(example)
        if isinstance(example, dict) and "value" in example:
            return EXAMPLE, example["value"]
    schema = walker.resolve(media.get("schema") or {})
    if "example" in schema:
        return EXAMPLE, schema["example"]
    found, value = composed_example(schema, walker)
    return (COMPOSED, value) if found else (MADE_UP, None)


def _body(
    operation: dict[str, Any], walker: SchemaWalker
) -> tuple[str | None, bytes | None, Any, str]:
    """(media type, encoded body, body, where the body comes from) of an operation."""
    request_body = walker.resolve(operation.get("requestBody") or {})
    content = request_body.get("content") if isinstance(request_body, dict) else None
    if not isinstance(content, dict) or not content:
        return None, None, None, EXAMPLE
    for kind, media in content.items():
        base = kind.split(";")[0].strip().lower()
        media = walker.resolve(media)
        if not isinstance(media, dict):
            continue
        if base in JSON_KINDS or base.endswith("+json"):
            source, value = _example(media, walker)
            value = value if source != MADE_UP else {}
            return kind, json.dumps(value).encode(), value, source
        if base == FORM_KIND:
            source, value = _example(media, walker)
            if not isinstance(value, dict):
                source, value = MADE_UP, {}
            return kind, urlencode({k: str(v) for k, v in value.items()}).encode(), value, source
    return None, None, None, EXAMPLE


def example_request(
    document: dict[str, Any], operation: OperationInfo, rng: random.Random
) -> SpecRequest:
    walker = SchemaWalker(document)
    request = SpecRequest(operation=operation, path=operation.path)
    for parameter in operation.parameters:
        where = parameter.get("in")
        name = str(parameter.get("name"))
        if where == "path":
            value = sample_value(parameter, walker)
            request.path_values[name] = value
            request.path = request.path.replace("{" + name + "}", value)
        elif parameter.get("required") and where == "query":
            request.query[name] = _parameter_value(parameter, walker, rng)
        elif parameter.get("required") and where == "header":
            request.headers[name] = _parameter_value(parameter, walker, rng)
    kind, body, value, source = _body(operation_object(document, operation), walker)
    if kind is not None:
        request.headers["Content-Type"] = kind
        request.body, request.body_value, request.body_source = body, value, source
    request.headers.setdefault("Accept", "application/json, application/problem+json")
    return request


def _pointer(value: Any, pointer: str) -> Any:
    for raw in pointer.lstrip("/").split("/") if pointer.strip("/") else []:
        step = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict) and step in value:
            value = value[step]
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return None
    return value


@dataclass(frozen=True, slots=True)
class LinkSource:
    """What a link's runtime expressions may refer to."""

    request: SpecRequest
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


def evaluate(expression: Any, source: LinkSource) -> Any:
    """One runtime expression (or a constant) of an OpenAPI link; None when unresolvable."""
    if not isinstance(expression, str) or not expression.startswith("$"):
        return expression
    if expression == "$statusCode":
        return source.status
    if expression.startswith("$response.body"):
        try:
            body = json.loads(source.body)
        except ValueError:
            return None
        return _pointer(body, expression.partition("#")[2])
    if expression.startswith("$response.header."):
        return source.headers.get(expression.removeprefix("$response.header.").lower())
    if expression.startswith("$request.body"):
        return _pointer(source.request.body_value, expression.partition("#")[2])
    if expression.startswith("$request.path."):
        return source.request.path_values.get(expression.removeprefix("$request.path."))
    if expression.startswith("$request.query."):
        return source.request.query.get(expression.removeprefix("$request.query."))
    if expression.startswith("$request.header."):
        wanted = expression.removeprefix("$request.header.").lower()
        return next((v for k, v in source.request.headers.items() if k.lower() == wanted), None)
    return None


def _evaluated(template: Any, source: LinkSource) -> tuple[bool, Any]:
    """A link's requestBody with every runtime expression in it resolved; False when one is not."""
    if isinstance(template, dict):
        result = {}
        for key, item in template.items():
            ok, result[key] = _evaluated(item, source)
            if not ok:
                return False, None
        return True, result
    if isinstance(template, list):
        items = [_evaluated(item, source) for item in template]
        return all(ok for ok, _ in items), [value for _, value in items]
    value = evaluate(template, source)
    return value is not None, value


def _merged(base: Any, overlay: Any) -> Any:
    if isinstance(base, dict) and isinstance(overlay, dict):
        return {**base, **{key: _merged(base.get(key), item) for key, item in overlay.items()}}
    return overlay


def with_link_body(
    request: SpecRequest, link: dict[str, Any], source: LinkSource
) -> SpecRequest | None:
    """``request`` with the link's ``requestBody`` merged into its JSON body (the link's values
    win); None when the link has no requestBody, the body is not JSON or an expression cannot
    be resolved against ``source``."""
    template = link.get("requestBody")
    kind = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if template is None or not (kind in JSON_KINDS or kind.endswith("+json")):
        return None
    ok, overlay = _evaluated(template, source)
    if not ok:
        return None
    value = _merged(request.body_value, overlay)
    request.body_value, request.body = value, json.dumps(value).encode()
    return request


def linked_request(
    document: dict[str, Any],
    target: OperationInfo,
    link: dict[str, Any],
    source: LinkSource,
    rng: random.Random,
) -> SpecRequest | None:
    """The request a link leads to; None when a path parameter cannot be resolved."""
    request = example_request(document, target, rng)
    values: dict[str, Any] = {}
    for name, expression in (link.get("parameters") or {}).items():
        where, _, bare = str(name).rpartition(".")
        values[bare] = (where or None, evaluate(expression, source))
    request.path, request.path_values = target.path, {}
    for parameter in target.parameters:
        name = str(parameter.get("name"))
        location = parameter.get("in")
        given = values.get(name)
        if given is not None and given[0] not in (None, location):
            given = None  # the link names a parameter of that name somewhere else
        value = given[1] if given is not None else None
        if location == "path":
            if value is None:
                return None
            request.path_values[name] = str(value)
            request.path = request.path.replace("{" + name + "}", str(value))
        elif value is not None and location == "query":
            request.query[name] = str(value)
        elif value is not None and location == "header":
            request.headers[name] = str(value)
    return request
