"""The register as an ASGI application: the JSON API under /api/v1 (described by openapi.yaml,
served at /api/v1/openapi.json) and the server-rendered pages, both over one database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Engine
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Match

from conformance.register.adr import PROBLEM_JSON, AdrMiddleware, problem_body
from conformance.register.api import api_router
from conformance.register.errors import Refused
from conformance.register.openapi import API_BASE, api_version
from conformance.register.pages import error_page, pages_router

DEFAULT_MAX_UPLOAD = 16 * 1024 * 1024
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")


@dataclass(frozen=True, slots=True)
class Settings:
    validity_days: int = 365
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD


def problem(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    return Response(
        problem_body(status, title, detail, **extra),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def allowed_methods(routes: Iterable[BaseRoute], scope: Any) -> list[str]:
    """Every method some route of this path accepts (ADR: 405 lists them all in Allow)."""
    allowed = []
    routes = list(routes)
    for method in _METHODS:
        probe = {
            "type": "http",
            "method": method,
            "path": scope["path"],
            "root_path": scope.get("root_path", ""),
            "headers": [],
        }
        if any(route.matches(probe)[0] is Match.FULL for route in routes):
            allowed.append(method)
    return allowed


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    extra = {"invalidParams": exc.invalid_params} if exc.invalid_params else {}
    if request.url.path.startswith(API_BASE + "/") or exc.status in (401, 403):
        return problem(exc.status, exc.title, exc.detail, headers, **extra)
    return error_page(request, exc)


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    headers: dict[str, str] = {}
    if status == 405:
        headers["Allow"] = ", ".join(allowed_methods(request.app.router.routes, request.scope))
        return problem(
            405,
            "Method Not Allowed",
            "The Allow header lists the methods this resource supports.",
            headers,
        )
    if status == 404:
        return problem(404, "Not Found", "No resource exists at this path.")
    detail = exc.detail if isinstance(exc.detail, str) else "The request cannot be handled."
    return problem(status, "Error", detail, headers)


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    params = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ())]
        params.append(
            {
                "name": location[-1] if location else "request",
                "code": str(error.get("type", "invalid")),
                "reason": str(error.get("msg", "invalid value")),
            }
        )
    if not request.url.path.startswith(API_BASE + "/"):
        return error_page(request, Refused(404, "Not Found", "No page exists at this address."))
    names = ", ".join(param["name"] for param in params)
    return problem(400, "Bad Request", f"Invalid input: {names}.", invalidParams=params)


async def _crash(request: Request, exc: Exception) -> Response:
    # Starlette's ServerErrorMiddleware answers with this, then re-raises for the log.
    return problem(500, "Internal Server Error", "The register could not complete the request.")


def create_app(engine: Engine, settings: Settings | None = None) -> AdrMiddleware:
    """The register over ``engine`` (schema already migrated, see ``database.open_database``)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="GDI conformance register",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False
    app.state.engine = engine
    app.state.settings = settings or Settings()
    app.add_exception_handler(Refused, _refused)
    app.add_exception_handler(HTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(Exception, _crash)
    app.include_router(api_router(), prefix=API_BASE)
    app.include_router(pages_router())
    return AdrMiddleware(
        app, api_version=api_version(), max_body_bytes=app.state.settings.max_upload_bytes
    )
