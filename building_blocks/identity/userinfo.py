"""The userinfo endpoint's bearer token handling (RFC 6750, OIDC Core 5.3).

The token must come in the Authorization header: a token in the query string is refused, so
it cannot leak through logs and browser history (NL GOV profile).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from building_blocks.common import ProblemError
from building_blocks.identity.scopes import OPENID
from building_blocks.identity.service import IdentityService


def _challenge(error: str | None = None, description: str | None = None) -> dict[str, str]:
    value = "Bearer"
    if error is not None:
        value += f' error="{error}"'
        if description is not None:
            value += f', error_description="{description}"'
    return {"WWW-Authenticate": value}


def _unauthorized(detail: str, error: str | None = "invalid_token") -> ProblemError:
    return ProblemError(401, detail=detail, headers=_challenge(error, detail if error else None))


def bearer_token(request: Request) -> str:
    if "access_token" in request.query_params:
        detail = "Send the access token in the Authorization header, not in the query string."
        raise ProblemError(400, detail=detail, headers=_challenge("invalid_request", detail))
    authorization = request.headers.get("authorization")
    if authorization is None:
        raise _unauthorized("A bearer access token is required.", error=None)
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise _unauthorized("The Authorization header must be Bearer <token>.", "invalid_request")
    return value.strip()


def userinfo_claims(request: Request, service: IdentityService) -> dict[str, Any]:
    token = bearer_token(request)
    claims = service.tokens.read_access_token(token)
    state = None if claims is None else service.store.token_state(str(claims["jti"]))
    if claims is None or state is None:
        raise _unauthorized("The access token is invalid or has expired.")
    if state[1]:
        raise _unauthorized("The access token has been revoked.")
    scopes = str(claims.get("scope", "")).split(" ")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if OPENID not in scopes or service.issuer not in audiences or "auth_time" not in claims:
        detail = "The access token was not issued to a citizen with scope openid."
        raise ProblemError(
            403,
            detail=detail,
            headers={"WWW-Authenticate": 'Bearer error="insufficient_scope", scope="openid"'},
        )
    body: dict[str, Any] = {"sub": claims["sub"]}
    if "bsn" in claims:
        body["bsn"] = claims["bsn"]
    if "acr" in claims:
        body["acr"] = claims["acr"]
    return body
