"""The identity block's HTTP endpoints, all under ``<base>/oidc`` (the issuer)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from building_blocks.identity import authorize as authorization
from building_blocks.identity.assertions import authenticate_client
from building_blocks.identity.clients import Client
from building_blocks.identity.grants import issue_tokens
from building_blocks.identity.oauth import (
    OAuthError,
    oauth_error_response,
    read_form,
    single_values,
)
from building_blocks.identity.service import IdentityService
from building_blocks.identity.userinfo import userinfo_claims

router = APIRouter(prefix="/oidc")

# The parameters each endpoint understands; anything else is ignored (RFC 6749 section 3.1).
_CLIENT_AUTH = ("client_id", "client_assertion_type", "client_assertion", "client_secret")
AUTHORIZE_PARAMS = frozenset(
    {
        "response_type", "client_id", "redirect_uri", "scope", "state", "nonce",
        "code_challenge", "code_challenge_method", "login_hint", "acr_values",
    }
)  # fmt: skip
TOKEN_PARAMS = frozenset(
    {"grant_type", "scope", "code", "redirect_uri", "code_verifier", *_CLIENT_AUTH}
)
TOKEN_MANAGEMENT_PARAMS = frozenset({"token", "token_type_hint", *_CLIENT_AUTH})


def _service(request: Request) -> IdentityService:
    service: IdentityService = request.app.state.identity
    return service


def _json(body: Any, media_type: str = "application/json") -> Response:
    return Response(json.dumps(body, separators=(",", ":")).encode(), media_type=media_type)


@router.get("/.well-known/openid-configuration")
async def openid_configuration(request: Request) -> Response:
    return _json(_service(request).metadata())


@router.get("/jwks")
async def jwks(request: Request) -> Response:
    # application/json, as most OpenID Providers serve it; the spec also allows the registered
    # application/jwk-set+json (RFC 7517 section 8.5), which fewer clients recognise as JSON.
    return _json({"keys": [_service(request).key.public_jwk]})


@router.get("/authorize")
async def authorize(request: Request) -> Response:
    service = _service(request)
    error: OAuthError | None = None
    try:
        params = authorization_params(request)
    except OAuthError as exc:
        params, error = _first_values(request), exc
    client, redirect_uri = authorization.verified_client(params, service)
    values: dict[str, str]
    try:
        if error is not None:
            raise error
        values = authorization.authorize(params, client, service)
    except OAuthError as exc:
        values = {"error": exc.error, "error_description": exc.description}
    if "state" in params:
        values["state"] = params["state"]
    values["iss"] = service.issuer  # RFC 9207: which server answers
    location = authorization.redirect_location(redirect_uri, values)
    return RedirectResponse(location, status_code=302)


def authorization_params(request: Request) -> dict[str, str]:
    return single_values(parse_qsl(request.url.query, keep_blank_values=True), AUTHORIZE_PARAMS)


def _first_values(request: Request) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in parse_qsl(request.url.query, keep_blank_values=True):
        if value and name in AUTHORIZE_PARAMS:
            params.setdefault(name, value)
    return params


async def _authenticated(
    request: Request, known: frozenset[str]
) -> tuple[IdentityService, dict[str, str], Client]:
    service = _service(request)
    form = await read_form(request, known)
    client = authenticate_client(
        form,
        request.headers,
        registry=service.registry,
        store=service.store,
        policy=service.assertion_policy,
        now=service.now(),
    )
    return service, form, client


@router.post("/token")
async def token(request: Request) -> Response:
    try:
        service, form, client = await _authenticated(request, TOKEN_PARAMS)
        body = issue_tokens(form, client, service)
    except OAuthError as exc:
        return oauth_error_response(request, exc)
    return _json(body)


@router.post("/introspect")
async def introspect(request: Request) -> Response:
    try:
        service, form, client = await _authenticated(request, TOKEN_MANAGEMENT_PARAMS)
        token_value = _token_parameter(form)
    except OAuthError as exc:
        return oauth_error_response(request, exc)
    claims = service.tokens.read_access_token(token_value)
    state = None if claims is None else service.store.token_state(str(claims["jti"]))
    if claims is None or state is None or state[1]:
        return _json({"active": False})
    return _json(_introspection(claims, client))


def _introspection(claims: dict[str, Any], caller: Client) -> dict[str, Any]:
    body: dict[str, Any] = {"active": True, "token_type": "Bearer"}
    for name in ("scope", "client_id", "exp", "iat", "nbf", "sub", "aud", "iss", "jti", "oin"):
        if name in claims:
            body[name] = claims[name]
    if "bsn" in claims and caller.bsn_allowed:
        body["bsn"] = claims["bsn"]
    return body


@router.post("/revoke")
async def revoke(request: Request) -> Response:
    try:
        service, form, client = await _authenticated(request, TOKEN_MANAGEMENT_PARAMS)
        token_value = _token_parameter(form)
        claims = service.tokens.read_access_token(token_value, verify_exp=False)
        if claims is not None:
            if claims.get("client_id") != client.client_id:
                raise OAuthError("unauthorized_client", "A client can only revoke its own tokens.")
            service.store.revoke_token(str(claims["jti"]))
    except OAuthError as exc:
        return oauth_error_response(request, exc)
    return Response(status_code=200)


def _token_parameter(form: dict[str, str]) -> str:
    if "token" not in form:
        raise OAuthError("invalid_request", "token is required.")
    hint = form.get("token_type_hint")
    if hint is not None and hint not in ("access_token", "refresh_token"):
        raise OAuthError("invalid_request", "token_type_hint is not a registered token type.")
    return form["token"]


@router.get("/userinfo")
async def userinfo(request: Request) -> Response:
    return _json(userinfo_claims(request, _service(request)))
