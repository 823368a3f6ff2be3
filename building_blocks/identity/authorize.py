"""The authorization endpoint's decisions (RFC 6749 4.1, OIDC Core 3.1.2, RFC 7636).

First the client and its redirect URI are verified; until then nothing is redirected and an
error is a problem document (400 malformed, 403 not registered). Afterwards every outcome,
success or error, travels to the client by a redirect (RFC 6749 section 4.1.2.1; profile
exception GDI-IDN-X02).

The only login is a test login, enabled by an explicit flag: it takes the synthetic test
citizen's BSN from ``login_hint`` (profile exception GDI-IDN-X04). Without it every request
ends in ``login_required``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from urllib.parse import urlencode

from building_blocks.common import InvalidParam, ProblemError, invalid_input
from building_blocks.identity.bsn import is_valid_bsn
from building_blocks.identity.clients import Client
from building_blocks.identity.oauth import OAuthError
from building_blocks.identity.scopes import KNOWN_SCOPES
from building_blocks.identity.service import IdentityService
from building_blocks.identity.store import CodeGrant

CODE_LIFETIME = 60
_CODE_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5B\x5D-\x7E]+")
_CLIENT_ID = re.compile(r"[\x21-\x7E]{1,255}")
_LIMITS = {"state": 512, "nonce": 512, "login_hint": 256, "acr_values": 512}


def verified_client(params: Mapping[str, str], service: IdentityService) -> tuple[Client, str]:
    """The client and redirect URI to answer to; ``ProblemError`` when they cannot be trusted."""
    missing = [
        InvalidParam(name, "required", "is required")
        for name in ("client_id", "redirect_uri")
        if name not in params
    ]
    if missing:
        raise invalid_input(missing, "The request does not say which client is asking.")
    client_id, redirect_uri = params["client_id"], params["redirect_uri"]
    if not _CLIENT_ID.fullmatch(client_id):
        raise invalid_input([InvalidParam("client_id", "pattern", "is not a valid client id")])
    if len(redirect_uri) > 2048:
        raise invalid_input([InvalidParam("redirect_uri", "maxLength", "is too long")])
    client = service.registry.get(client_id)
    if client is None:
        raise ProblemError(403, detail="client_id is not a registered client.")
    if client.grant_type != "authorization_code":
        raise ProblemError(403, detail="This client is not registered for the code flow.")
    if redirect_uri not in client.redirect_uris:  # exact string match, no normalisation
        raise ProblemError(403, detail="redirect_uri is not registered for this client.")
    return client, redirect_uri


def redirect_location(redirect_uri: str, values: Mapping[str, str]) -> str:
    separator = "&" if "?" in redirect_uri else "?"
    return f"{redirect_uri}{separator}{urlencode(values)}"


def authorize(
    params: Mapping[str, str], client: Client, service: IdentityService
) -> dict[str, str]:
    """The values to put on the redirect: ``code`` on success; ``OAuthError`` otherwise."""
    if params.get("response_type") != "code":
        raise OAuthError("unsupported_response_type", "Only response_type code is supported.")
    for name, limit in _LIMITS.items():
        if name in params and len(params[name]) > limit:
            raise OAuthError("invalid_request", f"{name} is longer than {limit} characters.")
    challenge = params.get("code_challenge")
    if challenge is None or not _CODE_CHALLENGE.fullmatch(challenge):
        raise OAuthError("invalid_request", "PKCE is required: send a S256 code_challenge.")
    if params.get("code_challenge_method") != "S256":
        raise OAuthError("invalid_request", "code_challenge_method must be S256.")
    scopes = requested_scopes(params.get("scope"), client)
    bsn = _test_login(params, service)
    now = service.now()
    code = secrets.token_urlsafe(32)
    service.store.save_code(
        code,
        CodeGrant(
            client_id=client.client_id,
            redirect_uri=params["redirect_uri"],
            code_challenge=challenge,
            scope=" ".join(scopes),
            nonce=params.get("nonce"),
            bsn=bsn,
            auth_time=now,
            expires_at=now + CODE_LIFETIME,
        ),
    )
    return {"code": code}


def requested_scopes(scope: str | None, client: Client) -> list[str]:
    """The scope tokens asked for, each known and registered for the client (RFC 6749 3.3)."""
    if scope is None:
        raise OAuthError("invalid_scope", "A scope is required.")
    tokens = scope.split(" ")
    if len(scope) > 1024 or not all(_SCOPE_TOKEN.fullmatch(token) for token in tokens):
        raise OAuthError("invalid_scope", "scope must be space-separated scope tokens.")
    if any(token not in KNOWN_SCOPES or token not in client.scopes for token in tokens):
        raise OAuthError("invalid_scope", "A requested scope is not registered for this client.")
    return list(dict.fromkeys(tokens))


def _test_login(params: Mapping[str, str], service: IdentityService) -> str:
    if not service.enable_test_login:
        raise OAuthError("login_required", "No login method is enabled on this server.")
    hint = params.get("login_hint")
    if hint is None:
        raise OAuthError("login_required", "The test login needs the citizen in login_hint.")
    if not is_valid_bsn(hint):
        raise OAuthError("access_denied", "The test login did not recognise the citizen.")
    return hint
