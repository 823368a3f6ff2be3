"""The register's JSON API under /api/v1, as openapi.yaml describes it: reading for anyone,
publishing with a vendor or the admin token, keys and vendor tokens with the admin token."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy import Engine
from starlette.responses import JSONResponse, Response

from conformance.register import access, queries
from conformance.register.errors import Refused
from conformance.register.openapi import API_BASE, openapi_document
from conformance.register.publication import publish

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
SHA256 = r"^[0-9a-f]{64}$"
# The exact PEM (SubjectPublicKeyInfo) of an Ed25519 key: a fixed 12-byte DER prefix and 32 key
# bytes, any of which ``cryptography`` loads; openapi.yaml states the same pattern.
ED25519_PEM = re.compile(
    r"-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]="
    r"\n-----END PUBLIC KEY-----\n?"
)
VENDOR_RULE = "a name starting with a letter or digit, without '/', '..' or control characters"
# Vendor names the admin may give (openapi.yaml: VendorName): a letter or digit first, no
# path separators, no '..', no control characters, so that every one has a slug.
VENDOR_NAME = re.compile(
    r"[A-Za-z0-9](?:\.?[A-Za-z0-9\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF &'+,()-])*\.?"
)


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def policy_of(request: Request) -> queries.Policy:
    return queries.Policy(validity_days=request.app.state.settings.validity_days)


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
    params = [{"name": name, "code": "invalid", "reason": reason}]
    return Refused(400, "Bad Request", f"{name}: {reason}", params)


def _fields(body: dict[str, Any], allowed: Iterable[str], required: Iterable[str]) -> None:
    for name in body:
        if name not in allowed:
            raise _invalid(name, "unknown field")
    for name in required:
        if name not in body:
            raise _invalid(name, "required")


def _string(body: dict[str, Any], name: str, limit: int, *, optional: bool = False) -> str | None:
    # Only an absent optional field is left out: null is not a string (openapi.yaml).
    if name not in body and optional:
        return None
    value = body.get(name)
    if not isinstance(value, str) or len(value) > limit:
        raise _invalid(name, f"must be a string of at most {limit} characters")
    return value


def _matching(name: str, value: str | None, pattern: re.Pattern[str], what: str) -> None:
    if value is not None and pattern.fullmatch(value) is None:
        raise _invalid(name, f"must be {what}")


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(data, status_code=status, headers=headers)


Slug = Annotated[str, Path(pattern=SLUG, max_length=64)]
CertificateId = Annotated[str, Path(pattern=SHA256, max_length=64)]


def api_router() -> APIRouter:
    router = APIRouter()
    _add_overview_routes(router)
    _add_certificate_routes(router)
    _add_key_routes(router)
    _add_publication_routes(router)
    return router


def _add_overview_routes(router: APIRouter) -> None:
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


def _add_certificate_routes(router: APIRouter) -> None:
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


def _add_key_routes(router: APIRouter) -> None:
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
        if "PRIVATE KEY" not in pem:  # a private key gets its own warning from add_key
            _matching("publicKey", pem, ED25519_PEM, "an Ed25519 public key in PEM (SPKI)")
        _matching("vendor", vendor, VENDOR_NAME, VENDOR_RULE)
        with engine_of(request).begin() as connection:
            key = access.add_key(connection, pem, label=label, kind=kind, vendor=vendor)
        url = f"{API_BASE}/keys/{key['fingerprint'].removeprefix('SHA256:')}"
        return json_response(key, 201, headers={"Location": url})

    @router.get("/keys/{key_sha256}")
    def get_key(request: Request, key_sha256: CertificateId) -> Response:
        with engine_of(request).connect() as connection:
            keys = access.list_keys(connection)
        key = next((item for item in keys if item["fingerprint"] == f"SHA256:{key_sha256}"), None)
        if key is None:
            raise Refused(404, "Not Found", f"no trusted key SHA256:{key_sha256}")
        if key["revokedAt"] is not None:
            # Revoked keys are never trusted again (POST /keys refuses them); GET /keys lists them.
            raise Refused(404, "Not Found", f"the key SHA256:{key_sha256} was revoked")
        return json_response(key)

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


def _add_publication_routes(router: APIRouter) -> None:
    @router.post("/vendor-tokens")
    async def post_vendor_token(
        request: Request, _who: Annotated[access.Caller, Depends(admin)]
    ) -> Response:
        body = await json_body(request)
        _fields(body, ("vendor", "label"), ("vendor",))
        vendor = _string(body, "vendor", 100) or ""
        _matching("vendor", vendor, VENDOR_NAME, VENDOR_RULE)
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
