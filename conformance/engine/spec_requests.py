"""Requests the spec itself calls valid: one per operation, from its examples.

Security checks need a request that would succeed with the right credentials, so that a
rejection can only be about the credentials. ``example_request`` builds it from what the spec
writes down: path, query and header parameters from their examples (or a plausible value of
their type), the body from the first example of its JSON (or form) media type. Headers that
must be unique per request (an ``Idempotency-Key``, any ``format: uuid`` header) get a fresh
value drawn from the caller's random generator, so a seed repeats a run exactly.

``resolve_link`` evaluates an OpenAPI link's runtime expressions (``$response.body#/id``,
``$response.header.Location``, ``$request.path.x``, ...) against an exchange.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from conformance.engine.datetimes import SchemaWalker
from conformance.engine.operations import OperationInfo, sample_value

JSON_KINDS = ("application/json", "application/merge-patch+json")
FORM_KIND = "application/x-www-form-urlencoded"


@dataclass(slots=True)
class SpecRequest:
    operation: OperationInfo
    path: str  # the template with every path parameter filled in
    path_values: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    body_value: Any = None  # the body before encoding (for $request.body expressions)
    body_from_example: bool = True  # False: the spec gives no example, an empty body was made

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
    """The operation demands credentials: a non-empty security list without an empty ``{}``."""
    security = operation_object(document, operation).get("security", document.get("security"))
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


def _example(media: dict[str, Any], walker: SchemaWalker) -> tuple[bool, Any]:
    if "example" in media:
        return True, media["example"]
    for example in (media.get("examples") or {}).values():
        example = walker.resolve(example)
        if isinstance(example, dict) and "value" in example:
            return True, example["value"]
    schema = walker.resolve(media.get("schema") or {})
    if "example" in schema:
        return True, schema["example"]
    return False, None


def _body(
    operation: dict[str, Any], walker: SchemaWalker
) -> tuple[str | None, bytes | None, Any, bool]:
    """(media type, encoded body, body, whether it is the spec's example) of an operation."""
    request_body = walker.resolve(operation.get("requestBody") or {})
    content = request_body.get("content") if isinstance(request_body, dict) else None
    if not isinstance(content, dict) or not content:
        return None, None, None, True
    for kind, media in content.items():
        base = kind.split(";")[0].strip().lower()
        media = walker.resolve(media)
        if not isinstance(media, dict):
            continue
        if base in JSON_KINDS or base.endswith("+json"):
            found, value = _example(media, walker)
            value = value if found else {}
            return kind, json.dumps(value).encode(), value, found
        if base == FORM_KIND:
            found, value = _example(media, walker)
            value = value if found and isinstance(value, dict) else {}
            return kind, urlencode({k: str(v) for k, v in value.items()}).encode(), value, found
    return None, None, None, True


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
    kind, body, value, found = _body(operation_object(document, operation), walker)
    if kind is not None:
        request.headers["Content-Type"] = kind
        request.body, request.body_value, request.body_from_example = body, value, found
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
