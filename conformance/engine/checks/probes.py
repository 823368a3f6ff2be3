"""The engine's own probes: ADR rules no generated request can show.

- adr:no-trailing-slash: every path, requested with a trailing slash, answers 404 (no redirect);
- adr:http-methods-405: every path answers a method it does not support with 405 and an
  Allow header listing exactly the methods the spec gives it;
- adr:publish-openapi: ``<base>/openapi.json`` serves, without credentials and with
  ``Access-Control-Allow-Origin: *``, the same OpenAPI description as the spec under test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from conformance.client.credentials import PRIMARY
from conformance.engine import catalogue
from conformance.engine.checks.active import ActiveContext, Observation, active_check
from conformance.engine.openapi.datetimes import SchemaWalker
from conformance.engine.openapi.operations import OperationInfo, fill_path
from conformance.results import Outcome

# Methods tried, in this order, as the "unsupported" one for a path.
UNSUPPORTED_CANDIDATES = ("PUT", "PATCH", "DELETE", "POST", "GET")
# Allow may list these beyond the spec's methods: servers add them for every GET resource.
IMPLICIT_METHODS = {"HEAD", "OPTIONS"}
PROBE_ORIGIN = "https://conformance-probe.example"
MAX_DIFFERENCES = 5


def _by_path(operations: list[OperationInfo]) -> dict[str, list[OperationInfo]]:
    paths: dict[str, list[OperationInfo]] = {}
    for operation in operations:
        paths.setdefault(operation.path, []).append(operation)
    return paths


def _representative(operations: list[OperationInfo]) -> OperationInfo:
    return next((item for item in operations if item.method == "GET"), operations[0])


@active_check(catalogue.NO_TRAILING_SLASH, always=True, per_operation=True)
def no_trailing_slash(ctx: ActiveContext) -> Iterator[Observation]:
    walker = ctx.walker
    for path, operations in _by_path(ctx.operations).items():
        if ctx.stopped:
            return
        if path in ("/", ""):
            continue  # the root resource is exempt (/core/no-trailing-slash)
        operation = _representative(operations)
        url = ctx.url(fill_path(operation, walker) + "/")
        exchange = ctx.http.send(operation.method, url, headers=ctx.credentials())
        observation = Observation(
            check=catalogue.NO_TRAILING_SLASH,
            outcome=Outcome.PASSED,
            operation=operation,
            exchange=exchange,
            subject=PRIMARY,
        )
        response = exchange.response
        if response is None:
            observation.outcome = Outcome.ERROR
            observation.title = "No answer to a trailing-slash request"
            observation.message = f"{operation.method} {url}: {exchange.error}"
        elif response.status != 404:
            observation.outcome = Outcome.FAILED
            if 300 <= response.status < 400:
                observation.title = "Trailing slash redirected"
                observation.message = (
                    f"{operation.method} {url} answered {response.status} "
                    f"(Location: {response.header('location')}); the API Design Rules require "
                    "404 and forbid a redirect."
                )
            else:
                observation.title = "Trailing slash not answered with 404"
                observation.message = (
                    f"{operation.method} {url} answered {response.status}; "
                    "a path with a trailing slash must answer 404."
                )
        yield observation


def allow_issues(allow: str | None, declared: set[str]) -> list[str]:
    if allow is None:
        return ["the Allow header is missing"]
    listed = {part.strip().upper() for part in allow.split(",") if part.strip()}
    issues = []
    missing = declared - listed
    if missing:
        issues.append(f"Allow {allow!r} leaves out {', '.join(sorted(missing))}")
    extra = listed - declared - IMPLICIT_METHODS
    if extra:
        issues.append(f"Allow {allow!r} lists {', '.join(sorted(extra))}, which the spec does not")
    return issues


@active_check(catalogue.HTTP_METHODS_405, always=True, per_operation=True)
def http_methods_405(ctx: ActiveContext) -> Iterator[Observation]:
    walker = ctx.walker
    for path, operations in _by_path(ctx.operations).items():
        if ctx.stopped:
            return
        declared = {operation.method for operation in operations}
        method = next((item for item in UNSUPPORTED_CANDIDATES if item not in declared), None)
        if method is None:
            continue  # every standard method is in use on this path
        url = ctx.url(fill_path(_representative(operations), walker))
        headers = ctx.credentials()
        body = None
        if method in ("PUT", "PATCH", "POST"):
            headers["Content-Type"] = "application/json"
            body = b"{}"
        exchange = ctx.http.send(method, url, headers=headers, body=body)
        observation = Observation(
            check=catalogue.HTTP_METHODS_405,
            outcome=Outcome.PASSED,
            label=f"{method} {path}",
            exchange=exchange,
            subject=PRIMARY,
        )
        response = exchange.response
        if response is None:
            observation.outcome = Outcome.ERROR
            observation.title = "No answer to an unsupported method"
            observation.message = f"{method} {url}: {exchange.error}"
        elif response.status != 405:
            observation.outcome = Outcome.FAILED
            observation.title = "Unsupported method not answered with 405"
            observation.message = (
                f"{method} {url} answered {response.status}; the spec gives {path} only "
                f"{', '.join(sorted(declared))}, so {method} must answer 405."
            )
        else:
            issues = allow_issues(response.header("allow"), declared)
            if issues:
                observation.outcome = Outcome.FAILED
                observation.title = "405 without a correct Allow header"
                observation.message = f"{method} {url} answered 405, but {'; '.join(issues)}."
        yield observation


def dereference(document: Any) -> Any:
    """The document with every local $ref replaced by its target (cycles left as $ref)."""
    walker = SchemaWalker(document)

    def expand(node: Any, trail: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/"):
                if ref in trail:
                    return {"$ref": ref}
                return expand(walker.resolve({"$ref": ref}), (*trail, ref))
            return {key: expand(value, trail) for key, value in node.items()}
        if isinstance(node, list):
            return [expand(item, trail) for item in node]
        return node

    return expand(document, ())


def differences(left: Any, right: Any, path: str = "$") -> Iterator[str]:
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right), key=str):
            if key not in right:
                yield f"{path}.{key} is missing from the published document"
            elif key not in left:
                yield f"{path}.{key} is only in the published document"
            else:
                yield from differences(left[key], right[key], f"{path}.{key}")
    elif isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            yield from differences(a, b, f"{path}[{index}]")
    elif left != right or type(left) is not type(right):
        yield f"{path} is {_short(right)} in the published document, {_short(left)} in the spec"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _comparable(document: Any) -> Any:
    """JSON-normalised and dereferenced; servers dropped, as a deployment names its own URL."""
    normalised = json.loads(json.dumps(document, default=str))
    if isinstance(normalised, dict):
        normalised.pop("servers", None)
    return dereference(normalised)


def _openapi_operation(ctx: ActiveContext) -> OperationInfo | None:
    return next(
        (item for item in ctx.operations if item.path == "/openapi.json" and item.method == "GET"),
        None,
    )


@active_check(catalogue.PUBLISH_OPENAPI, always=True)
def publish_openapi(ctx: ActiveContext) -> Iterator[Observation]:
    url = ctx.url("/openapi.json")
    # Deliberately without credentials: the description must be public.
    exchange = ctx.http.send(
        "GET", url, headers={"Accept": "application/json", "Origin": PROBE_ORIGIN}
    )
    observation = Observation(
        check=catalogue.PUBLISH_OPENAPI,
        outcome=Outcome.PASSED,
        operation=_openapi_operation(ctx),
        label="GET /openapi.json",
        exchange=exchange,
        subject=None,
    )
    response = exchange.response
    issues: list[str] = []
    if response is None:
        observation.outcome = Outcome.ERROR
        observation.title = "No answer from /openapi.json"
        observation.message = f"GET {url}: {exchange.error}"
        yield observation
        return
    if response.status in (401, 403):
        issues.append(f"it answers {response.status} without credentials; it must be public")
    elif response.status != 200:
        issues.append(f"it answers {response.status}, not 200")
    else:
        allow_origin = response.header("access-control-allow-origin")
        if allow_origin != "*":
            issues.append(
                f"Access-Control-Allow-Origin is {allow_origin!r}; it must be '*' (all origins)"
            )
        try:
            published = json.loads(response.body)
        except ValueError:
            issues.append("the body is not JSON")
        else:
            found = list(differences(_comparable(ctx.document), _comparable(published)))
            if found:
                shown = "; ".join(found[:MAX_DIFFERENCES])
                more = (
                    f" (and {len(found) - MAX_DIFFERENCES} more)"
                    if len(found) > MAX_DIFFERENCES
                    else ""
                )
                issues.append(f"it is not the spec under test: {shown}{more}")
    if issues:
        observation.outcome = Outcome.FAILED
        observation.title = "OpenAPI description not published as required"
        observation.message = f"GET {url} without credentials: {'; '.join(issues)}."
    yield observation
