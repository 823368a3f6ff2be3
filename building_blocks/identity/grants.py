"""The token endpoint's grants: client_credentials (organisations) and authorization_code
with PKCE S256 (citizens). Each client may use only the grant it is registered for."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

from building_blocks.identity.authorize import requested_scopes
from building_blocks.identity.clients import Client
from building_blocks.identity.oauth import OAuthError
from building_blocks.identity.service import IdentityService
from building_blocks.identity.tokens import Citizen

SUPPORTED_GRANTS = ("client_credentials", "authorization_code")
_CODE_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")


def issue_tokens(
    form: Mapping[str, str], client: Client, service: IdentityService
) -> dict[str, Any]:
    grant_type = form.get("grant_type")
    if grant_type is None:
        raise OAuthError("invalid_request", "grant_type is required.")
    if grant_type not in SUPPORTED_GRANTS:
        raise OAuthError("unsupported_grant_type", "Use client_credentials or authorization_code.")
    if grant_type != client.grant_type:
        raise OAuthError(
            "unauthorized_client", f"This client may only use the {client.grant_type} grant."
        )
    if grant_type == "client_credentials":
        return _client_credentials(form, client, service)
    return _authorization_code(form, client, service)


def _client_credentials(
    form: Mapping[str, str], client: Client, service: IdentityService
) -> dict[str, Any]:
    scope = form.get("scope")
    # Without a scope the client gets what it is registered for (RFC 6749 section 3.3).
    scopes = sorted(client.scopes) if scope is None else requested_scopes(scope, client)
    return service.tokens.token_response(client, scopes, service.now())


def _authorization_code(
    form: Mapping[str, str], client: Client, service: IdentityService
) -> dict[str, Any]:
    for name in ("code", "redirect_uri", "code_verifier"):
        if name not in form:
            raise OAuthError("invalid_request", f"{name} is required.")
    verifier = form["code_verifier"]
    if not _CODE_VERIFIER.fullmatch(verifier):
        raise OAuthError("invalid_request", "code_verifier must be 43-128 unreserved characters.")
    grant, reused = service.store.consume_code(form["code"])
    now = service.now()
    if grant is None or grant.client_id != client.client_id:
        raise OAuthError("invalid_grant", "The authorization code is not valid for this client.")
    if reused:
        raise OAuthError("invalid_grant", "The authorization code was already used.")
    if grant.expires_at < now:
        raise OAuthError("invalid_grant", "The authorization code has expired.")
    if form["redirect_uri"] != grant.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri differs from the authorization request.")
    if not hmac.compare_digest(s256(verifier), grant.code_challenge):
        raise OAuthError("invalid_grant", "The code_verifier does not match the code_challenge.")
    citizen = Citizen(bsn=grant.bsn, auth_time=grant.auth_time, nonce=grant.nonce)
    scopes = grant.scope.split(" ")
    return service.tokens.token_response(client, scopes, now, citizen=citizen, code=form["code"])


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
