"""The register as an ASGI application: the JSON API under /api/v1 (described by openapi.yaml,
served at /api/v1/openapi.json) and the server-rendered pages, both over one database."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Engine
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match

from conformance.register import access, queries
from conformance.register.adr import PROBLEM_JSON, AdrMiddleware, problem_body
from conformance.register.errors import Refused
from conformance.register.pages import error_page, pages_router
from conformance.register.publication import publish

API_BASE = "/api/v1"
DEFAULT_MAX_UPLOAD = 16 * 1024 * 1024
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
SHA256 = r"^[0-9a-f]{64}$"


@dataclass(frozen=True, slots=True)
class Settings:
    validity_days: int = 365
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD


@cache
def openapi_document() -> dict[str, Any]:
    text = resources.files("conformance.register").joinpath("openapi.yaml").read_text("utf-8")
    document: dict[str, Any] = yaml.safe_load(text)
    return document


def api_version() -> str:
    return str(openapi_document()["info"]["version"])


def problem(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    return Response(
        problem_body(status, title, detail, **extra),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def policy_of(request: Request) -> queries.Policy:
    settings: Settings = request.app.state.settings
    return queries.Policy(validity_days=settings.validity_days)


def caller(request: Request) -> access.Caller:
    """The caller a bearer token stands for; 401 for a missing or unknown token."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    found = None
    if scheme.lower() == "bearer" and token.strip():
        with engine_of(request).connect() as connection:
            found = access.authenticate(connection, token.strip())
    if found is None:
        raise Refused(401, "Unauthorized", "a valid bearer token is required; nothing was changed")
    return found


def admin(request: Request) -> access.Caller:
    who = caller(request)
    if who.role != access.ADMIN:
        raise Refused(403, "Forbidden", "only the admin token may do this; nothing was changed")
    return who


async def json_body(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise Refused(415, "Unsupported Media Type", "the body must be application/json")
    raw = await request.body()
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise Refused(
            400,
            "Bad Request",
            "the body is not JSON",
        ) from None
    if not isinstance(body, dict):
        raise Refused(400, "Bad Request", "the body must be a JSON object")
    return body


def _invalid(name: str, reason: str) -> Refused:
    error = Refused(400, "Bad Request", f"{name}: {reason}")
    error.invalid_params = [{"name": name, "code": "invalid", "reason": reason}]  # type: ignore[attr-defined]
    return error


def _fields(body: dict[str, Any], allowed: Iterable[str], required: Iterable[str]) -> None:
    for name in body:
        if name not in allowed:
            raise _invalid(name, "unknown field")
    for name in required:
        if name not in body:
            raise _invalid(name, "required")


def _string(body: dict[str, Any], name: str, limit: int, *, optional: bool = False) -> str | None:
    value = body.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise _invalid(name, f"must be a string of at most {limit} characters")
    return value


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(data, status_code=status, headers=headers)


Slug = Annotated[str, Path(pattern=SLUG, max_length=64)]
CertificateId = Annotated[str, Path(pattern=SHA256, max_length=64)]


def api_router() -> APIRouter:
    router = APIRouter()

    @router.get("/openapi.json", include_in_schema=False)
    async def openapi_json() -> Response:
        return JSONResponse(openapi_document(), headers={"Access-Control-Allow-Origin": "*"})

    @router.get("/overview")
    def get_overview(
        request: Request,
        block: Annotated[str | None, Query(pattern=SLUG, max_length=64)] = None,
        verdict: Annotated[
            str | None,
            Query(pattern="^(certified|certified-with-remarks|not-certified|incomplete)$"),
        ] = None,
        vendor: Annotated[str | None, Query(pattern=SLUG, max_length=64)] = None,
    ) -> Response:
        with engine_of(request).connect() as connection:
            data = queries.overview(
                connection, policy_of(request), block=block, verdict=verdict, vendor=vendor
            )
        return json_response(data)

    @router.get("/products/{vendor}/{product}")
    def get_product(request: Request, vendor: Slug, product: Slug) -> Response:
        with engine_of(request).connect() as connection:
            return json_response(queries.product(connection, policy_of(request), vendor, product))

    @router.get("/products/{vendor}/{product}/diff")
    def get_diff(
        request: Request,
        vendor: Slug,
        product: Slug,
        first: Annotated[str, Query(alias="from", pattern=SHA256)],
        second: Annotated[str, Query(alias="to", pattern=SHA256)],
    ) -> Response:
        with engine_of(request).connect() as connection:
            data = queries.diff(connection, policy_of(request), vendor, product, first, second)
        return json_response(data)

    @router.get("/requirements/{requirement_id}")
    def get_requirement(
        request: Request,
        requirement_id: Annotated[str, Path(pattern=r"^GDI-[A-Z]{3}-[0-9]{3}$", max_length=11)],
    ) -> Response:
        with engine_of(request).connect() as connection:
            return json_response(queries.requirement(connection, requirement_id))

    @router.get("/certificates/{certificate_id}")
    def get_certificate(request: Request, certificate_id: CertificateId) -> Response:
        with engine_of(request).connect() as connection:
            data = queries.certificate(connection, policy_of(request), certificate_id)
        return json_response(data)

    @router.get("/certificates/{certificate_id}/signed")
    def get_signed(request: Request, certificate_id: CertificateId) -> Response:
        with engine_of(request).connect() as connection:
            data = queries.certificate_file(connection, certificate_id)
        return Response(data, media_type="application/json")

    @router.get("/certificates/{certificate_id}/report")
    def get_report(request: Request, certificate_id: CertificateId) -> Response:
        with engine_of(request).connect() as connection:
            data = queries.report_file(connection, certificate_id)
        return Response(data, media_type="application/json")

    @router.get("/keys")
    def get_keys(request: Request) -> Response:
        with engine_of(request).connect() as connection:
            return json_response({"keys": access.list_keys(connection)})

    @router.post("/keys")
    async def post_key(
        request: Request, _who: Annotated[access.Caller, Depends(admin)]
    ) -> Response:
        body = await json_body(request)
        _fields(body, ("publicKey", "label", "kind", "vendor"), ("publicKey", "kind"))
        pem = _string(body, "publicKey", 2000) or ""
        kind = _string(body, "kind", 16) or ""
        label = _string(body, "label", 200, optional=True) or ""
        vendor = _string(body, "vendor", 100, optional=True)
        with engine_of(request).begin() as connection:
            key = access.add_key(connection, pem, label=label, kind=kind, vendor=vendor)
        return json_response(key, 201)

    @router.delete("/keys/{key_sha256}")
    def delete_key(
        request: Request,
        key_sha256: CertificateId,
        _who: Annotated[access.Caller, Depends(admin)],
    ) -> Response:
        with engine_of(request).begin() as connection:
            if not access.revoke_key(connection, f"SHA256:{key_sha256}"):
                raise Refused(404, "Not Found", f"no trusted key SHA256:{key_sha256}")
        return Response(status_code=204)

    @router.post("/vendor-tokens")
    async def post_vendor_token(
        request: Request, _who: Annotated[access.Caller, Depends(admin)]
    ) -> Response:
        body = await json_body(request)
        _fields(body, ("vendor", "label"), ("vendor",))
        vendor = _string(body, "vendor", 100) or ""
        label = _string(body, "label", 200, optional=True) or f"vendor {vendor}"
        with engine_of(request).begin() as connection:
            token = access.create_vendor_token(connection, vendor, label)
            row = access.vendor_row(connection, vendor, create=False)
        return json_response({"vendor": {"slug": row.slug, "name": row.name}, "token": token}, 201)

    @router.post("/publications")
    async def post_publication(
        request: Request, who: Annotated[access.Caller, Depends(caller)]
    ) -> Response:
        body = await json_body(request)
        _fields(body, ("certificate", "report"), ("certificate", "report"))
        certificate = _string(body, "certificate", 10_000_000) or ""
        done = publish(engine_of(request), certificate.encode("utf-8"), body["report"], who)
        url = f"{API_BASE}/certificates/{done.certificate_sha256}"
        data = {"certificate": done.certificate_sha256, "created": done.created, "url": url}
        if done.created:
            return json_response(data, 201, headers={"Location": url})
        return json_response(data)

    return router


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
    extra = {}
    if getattr(exc, "invalid_params", None):
        extra["invalidParams"] = exc.invalid_params  # type: ignore[attr-defined]
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
