"""The app factory every building block is built with.

``create_app`` gives a block, in one place, all behaviour the NL GOV API Design Rules demand of
every endpoint, so no block re-implements (or forgets) it:

- ``API-Version: <info.version>`` and the ADR security headers on every response, errors and
  paths outside the base path included (``AdrMiddleware``);
- every 4xx/5xx as ``application/problem+json`` (RFC 9457) with type, title, status, detail,
  including the router's own 404/405 and FastAPI's validation errors;
- invalid input is 400 with ``invalidParams``, never 422;
- a trailing slash is 404, never a redirect;
- 405 carries an ``Allow`` header listing every method any route of that path accepts;
- ``<base>/openapi.json`` serves the block's spec without authentication, CORS open;
- crashes become a bare 500 problem, the details logged server-side with secrets redacted;
- request bodies are capped.

Routes are written relative to the base path (``@router.get("/messages")``); the base path is
taken from the spec's ``servers[0].url`` (e.g. ``/messaging/v1``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match

from building_blocks.common.adr import DEFAULT_MAX_BODY_BYTES, AdrMiddleware, Receive, Scope, Send
from building_blocks.common.adr import log_unhandled as _log_unhandled
from building_blocks.common.problems import (
    InvalidParam,
    ProblemError,
    error_response,
    invalid_input,
    problem_response,
    status_phrase,
)
from building_blocks.common.specinfo import SpecInfo, load_spec_info

_PROBED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT")

_GENERIC_DETAIL = {
    404: "No resource exists at this path.",
    405: "The resource does not support this method; the Allow header lists the ones it does.",
}


class BlockApp:
    """The ASGI application of one block: ``AdrMiddleware`` around a FastAPI app.

    ``fastapi`` is the inner app (for ``state``, ``dependency_overrides`` in tests, extra routes);
    routes added to it later are served too, under their full path.
    """

    def __init__(self, *, block: str, spec: SpecInfo, fastapi: FastAPI, max_body_bytes: int):
        self.block = block
        self.spec = spec
        self.fastapi = fastapi
        self.version = spec.version
        self.base_path = spec.base_path
        self._asgi = AdrMiddleware(fastapi, api_version=spec.version, max_body_bytes=max_body_bytes)

    @property
    def state(self) -> Any:
        return self.fastapi.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._asgi(scope, receive, send)


def create_app(
    *,
    block: str,
    spec_path: Path,
    routers: Iterable[APIRouter] = (),
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[Any]] | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    state: Mapping[str, Any] | None = None,
) -> BlockApp:
    """Build a block's app. Raises ``SpecError`` when the spec cannot be served."""
    spec = load_spec_info(Path(spec_path), block=block)
    app = FastAPI(
        title=block,
        version=spec.version,
        openapi_url=None,  # the block serves its own spec, not a generated one
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False
    for key, value in (state or {}).items():
        setattr(app.state, key, value)
    app.add_exception_handler(ProblemError, _problem_error_handler)
    app.add_exception_handler(HTTPException, _http_exception_handler)
    app.add_exception_handler(RequestValidationError, _validation_error_handler)
    # Starlette's ServerErrorMiddleware uses this for crashes (then re-raises; AdrMiddleware
    # recognises the already-logged exception and keeps the traceback out of the server log).
    app.add_exception_handler(Exception, _crash_handler)

    openapi_bytes = spec.json_bytes

    async def openapi_json() -> Response:
        return Response(
            openapi_bytes,
            media_type="application/json",
            headers={"Access-Control-Allow-Origin": "*"},
        )

    app.add_api_route(
        f"{spec.base_path}/openapi.json",
        openapi_json,
        methods=["GET"],
        include_in_schema=False,
        name="openapi_json",
    )
    for router in routers:
        app.include_router(router, prefix=spec.base_path)
    return BlockApp(block=block, spec=spec, fastapi=app, max_body_bytes=max_body_bytes)


def allowed_methods(routes: Iterable[BaseRoute], scope: Scope) -> list[str]:
    """Every method some route of this path accepts, in a stable, conventional order.

    Each candidate method is probed through the routes' public ``matches``, which also sees
    into included routers however the framework represents them.
    """
    allowed = []
    routes = list(routes)
    for method in _PROBED_METHODS:
        probe: Scope = {
            "type": "http",
            "method": method,
            "path": scope["path"],
            "root_path": scope.get("root_path", ""),
            "headers": [],
            "app": scope.get("app"),
        }
        if any(route.matches(probe)[0] is Match.FULL for route in routes):
            allowed.append(method)
    return allowed


async def _problem_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    if exc.status == 405 and not any(name.lower() == "allow" for name in exc.headers):
        exc.headers["Allow"] = ", ".join(allowed_methods(request.app.router.routes, request.scope))
    return error_response(exc)


async def _http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    cause = exc.__cause__
    if isinstance(cause, ProblemError):  # raised while FastAPI parsed the body
        return error_response(cause)
    if status == 400 and cause is not None and not isinstance(cause, HTTPException):
        # FastAPI's "error parsing the body" (e.g. bytes that are not UTF-8): still invalid
        # input, so ADR's invalidParams belongs in the answer.
        reason = "The body cannot be read as the declared content type."
        return error_response(invalid_input([InvalidParam("body", "format", reason)]))
    headers = dict(exc.headers or {})
    detail = exc.detail if isinstance(exc.detail, str) else None
    if not detail or detail == status_phrase(status):
        detail = _GENERIC_DETAIL.get(status, status_phrase(status))
    if status == 405:
        headers["Allow"] = ", ".join(allowed_methods(request.app.router.routes, request.scope))
    if status < 400:  # an HTTPException used for a redirect or a bare status: keep it
        return Response(status_code=status, headers=headers)
    return problem_response(status, status_phrase(status), detail, headers=headers)


_CODES = {
    "missing": "required",
    "string_pattern_mismatch": "pattern",
    "string_too_short": "minLength",
    "string_too_long": "maxLength",
    "too_short": "minItems",
    "too_long": "maxItems",
    "greater_than": "minimum",
    "greater_than_equal": "minimum",
    "less_than": "maximum",
    "less_than_equal": "maximum",
    "multiple_of": "multipleOf",
    "enum": "enum",
    "literal_error": "enum",
    "extra_forbidden": "unknownParam",
    "json_invalid": "json",
    "url_parsing": "format",
    "uuid_parsing": "format",
    "date_parsing": "date",
    "date_from_datetime_parsing": "date",
    "datetime_parsing": "dateTime",
    "datetime_from_date_parsing": "dateTime",
    "timezone_aware": "dateTime",
}


def _param_code(error_type: str) -> str:
    if error_type in _CODES:
        return _CODES[error_type]
    if error_type.endswith(("_type", "_parsing")):
        return "type"
    return "invalid"


def _param_name(loc: Iterable[Any]) -> str:
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        where = parts.pop(0)
        if not parts or (where == "body" and isinstance(parts[0], int) and len(parts) == 1):
            return str(where)  # the body as a whole (e.g. JSON that does not parse)
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def invalid_params_from(errors: Iterable[Mapping[str, Any]]) -> list[InvalidParam]:
    params: list[InvalidParam] = []
    for error in errors:
        reason = str(error.get("msg", "Invalid value."))
        reason = reason.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        params.append(
            InvalidParam(
                name=_param_name(error.get("loc", ())),
                code=_param_code(str(error.get("type", ""))),
                reason=reason,
            )
        )
    return params


async def _validation_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return error_response(invalid_input(invalid_params_from(exc.errors())))


async def _crash_handler(request: Request, exc: Exception) -> Response:
    _log_unhandled(exc, request.scope)
    return problem_response(500, detail="The server could not complete the request.")
