"""Token introspection (RFC 7662), revocation (RFC 7009) and OAuth error responses.

- bb:identity:introspection-auth (GDI-IDN-040): introspection without (valid) client
  authentication is refused with invalid_client and tells nothing about the token;
- bb:identity:introspection-state (GDI-IDN-041): an issued token is active with consistent
  claims; a revoked, unknown or malformed token is ``{"active": false}``;
- bb:identity:revocation (GDI-IDN-042): revocation needs client authentication, answers 200
  for unknown tokens, and a revoked token is inactive and refused at userinfo;
- bb:identity:oauth-error-format (GDI-IDN-044): token, introspection and revocation errors are
  RFC 6749 section 5.2 objects with a registered error code; token and introspection answers
  carry Cache-Control no-store.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from conformance.client.harness_clients import TestClient
from conformance.client.reply import Reply
from conformance.engine.behaviour.identity.provider import (
    CannotJudge,
    Provider,
    is_jwt,
    unverified,
)
from conformance.engine.behaviour.identity.registration import identity_check

TOKEN_ERRORS = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        "invalid_target",  # RFC 8707
    }
)
MANAGEMENT_ERRORS = TOKEN_ERRORS | {"unsupported_token_type"}  # RFC 7009 section 2.2.1
# RFC 6749 section 5.2: error_description and error_uri use these characters only.
DESCRIPTION = re.compile(r"[\x20-\x21\x23-\x5B\x5D-\x7E]*")
REVEALING = ("sub", "scope", "client_id", "exp", "iat", "username", "aud", "iss", "jti")


def _credentials(
    provider: Provider, client: TestClient | None, assertion: str | None, named: str | None
) -> dict[str, str]:
    if client is not None:
        return provider.authentication(client, assertion)
    # A client that names itself but does not authenticate: RFC 6749 5.2 invalid_client
    # ("no client authentication included"); with no client named at all the request also
    # lacks a required parameter, and invalid_request is as right.
    return {"client_id": named} if named else {}


def introspect(
    provider: Provider,
    token: str,
    client: TestClient | None,
    *,
    assertion: str | None = None,
    named: str | None = None,
) -> Reply:
    fields = {"token": token, "token_type_hint": "access_token"}
    fields.update(_credentials(provider, client, assertion, named))
    return provider.post_form("introspection_endpoint", fields)


def revoke(
    provider: Provider, token: str, client: TestClient | None, *, named: str | None = None
) -> Reply:
    fields = {"token": token, "token_type_hint": "access_token"}
    fields.update(_credentials(provider, client, None, named))
    return provider.post_form("revocation_endpoint", fields)


def resource_token(provider: Provider) -> str:
    """An organisation's access token for one of its scopes: the kind of token a resource
    server receives and introspects (a provider may issue another format without a scope)."""
    organisation = provider.clients.organisation
    scope = organisation.scopes[0] if organisation.scopes else None
    return str(provider.organisation_token(scope)["access_token"])


def active(reply: Reply) -> bool | None:
    """The ``active`` member of a 200 introspection answer (None when there is none)."""
    value = reply.member("active")
    return value if reply.status == 200 and isinstance(value, bool) else None


def require_active(provider: Provider, token: str, client: TestClient, what: str) -> Reply:
    reply = introspect(provider, token, client)
    if active(reply) is not True:
        raise CannotJudge(
            "Introspection does not show the token active",
            f"{reply.describe()} when {client.client_id} introspected {what} it was just "
            "issued; without that the check cannot see a change",
            reply.exchange,
        )
    return reply


def _stranger_assertion(provider: Provider, client: TestClient) -> str:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return provider.assertion(client, key=stranger)


@identity_check("bb:identity:introspection-auth")
def introspection_auth(provider: Provider) -> None:
    organisation = provider.clients.organisation
    token = resource_token(provider)
    require_active(provider, token, organisation, "a token")
    findings = provider.session.findings
    attempts: tuple[tuple[str, Callable[[], Reply]], ...] = (
        (
            "naming the client without authenticating it",
            lambda: introspect(provider, token, None, named=organisation.client_id),
        ),
        (
            "with a client assertion signed by an unregistered key",
            lambda: introspect(
                provider,
                token,
                organisation,
                assertion=_stranger_assertion(provider, organisation),
            ),
        ),
    )
    for case, send in attempts:
        reply = send()
        body = reply.json()
        revealed = [name for name in REVEALING if isinstance(body, dict) and name in body] + (
            ["active"] if isinstance(body, dict) and body.get("active") is True else []
        )
        error = reply.member("error")
        if revealed:
            findings.failed(
                "Introspection without client authentication",
                f"an introspection request {case}: {reply.describe()} and revealed "
                f"{', '.join(revealed)}",
                operation="introspect",
                reply=reply,
            )
        elif reply.status not in (400, 401) or error != "invalid_client":
            findings.failed(
                "Introspection without client authentication not refused as invalid_client",
                f"an introspection request {case}: {reply.describe()} with error {error!r}, "
                "not invalid_client",
                operation="introspect",
                reply=reply,
            )
        else:
            findings.passed("introspect", reply)


def _consistency(body: dict[str, Any], claims: dict[str, Any]) -> list[str]:
    problems = []
    for name in ("iss", "sub", "exp", "jti", "scope"):
        if name in body and name in claims and body[name] != claims[name]:
            problems.append(f"{name} is {body[name]!r} but the token says {claims[name]!r}")
    owner = claims.get("client_id", claims.get("azp"))
    if "client_id" in body and owner is not None and body["client_id"] != owner:
        problems.append(f"client_id is {body['client_id']!r}, not the token's {owner!r}")
    return problems


@identity_check("bb:identity:introspection-state")
def introspection_state(provider: Provider) -> None:
    organisation = provider.clients.organisation
    findings = provider.session.findings
    token = resource_token(provider)
    reply = introspect(provider, token, organisation)
    body = reply.json()
    if active(reply) is not True or not isinstance(body, dict):
        findings.failed(
            "Issued token not active",
            f"introspecting a token that was just issued: {reply.describe()}, active "
            f"{reply.member('active')!r}",
            operation="introspect",
            reply=reply,
        )
    else:
        problems = _consistency(body, unverified(token)[1]) if is_jwt(token) else []
        if problems:
            findings.failed(
                "Introspection contradicts the token",
                "; ".join(problems),
                operation="introspect",
                reply=reply,
            )
        else:
            findings.passed("introspect", reply)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = provider.assertion(organisation, key=stranger, audience="urn:example:not-a-token")
    cases = [
        ("an unknown token", secrets.token_urlsafe(32)),
        ("a malformed token", "not.a.token"),
        ("a JWT signed by a key the provider does not have", forged),
    ]
    if "revocation_endpoint" in provider.metadata:
        revoked = resource_token(provider)
        answer = revoke(provider, revoked, organisation)
        if answer.status == 200:
            cases.append(("a revoked token", revoked))
        else:
            findings.error(
                "Could not revoke a token",
                f"{answer.describe()}; the revoked case was not judged",
                exchange=answer.exchange,
            )
    for case, value in cases:
        reply = introspect(provider, value, organisation)
        if active(reply) is not False:
            findings.failed(
                "Inactive token not reported as inactive",
                f"introspecting {case}: {reply.describe()}, active {reply.member('active')!r}; "
                'expected 200 {"active": false}',
                operation="introspect",
                reply=reply,
            )
        else:
            findings.passed("introspect", reply)


@identity_check("bb:identity:revocation")
def revocation(provider: Provider) -> None:
    _unauthenticated_revocation(provider)
    _unknown_token_revocation(provider)
    _own_token_revocation(provider)


def _unauthenticated_revocation(provider: Provider) -> None:
    """A revocation naming a client without authenticating it is refused and revokes nothing."""
    findings = provider.session.findings
    organisation = provider.clients.organisation
    token = resource_token(provider)
    before = introspect(provider, token, organisation)
    reply = revoke(provider, token, None, named=organisation.client_id)
    error = reply.member("error")
    if reply.status not in (400, 401) or error != "invalid_client":
        findings.failed(
            "Revocation without client authentication not refused",
            f"a revocation request naming {organisation.client_id} without authenticating it: "
            f"{reply.describe()} with error {error!r}, not invalid_client (RFC 7009 2.1, "
            "RFC 6749 5.2)",
            operation="revoke",
            reply=reply,
        )
    still = introspect(provider, token, organisation) if active(before) is True else None
    if still is None:
        findings.error(
            "Unauthenticated revocation not judged",
            f"introspection did not show the token active before the attempt "
            f"({before.describe()}), so whether the attempt revoked it cannot be seen",
            operation="revoke",
            exchange=before.exchange,
        )
    elif active(still) is not True:
        findings.failed(
            "Token revoked without client authentication",
            f"after an unauthenticated revocation request the token is no longer active "
            f"({still.describe()})",
            operation="revoke",
            reply=reply,
        )
    else:
        findings.passed("revoke", reply)


def _unknown_token_revocation(provider: Provider) -> None:
    """RFC 7009 answers 200 for a token it does not know."""
    findings = provider.session.findings
    organisation = provider.clients.organisation
    unknown = revoke(provider, secrets.token_urlsafe(32), organisation)
    if unknown.status != 200:
        findings.failed(
            "Revocation of an unknown token not answered 200",
            f"{unknown.describe()}; RFC 7009 answers 200 for invalid tokens too",
            operation="revoke",
            reply=unknown,
        )
    else:
        findings.passed("revoke", unknown)


def _own_token_revocation(provider: Provider) -> None:
    """A client revokes its own token: introspection and userinfo no longer accept it."""
    findings = provider.session.findings
    portal = provider.clients.portal
    tokens, _ = provider.citizen_tokens(portal)
    citizen = tokens["access_token"]
    require_active(provider, citizen, portal, "a citizen's token")
    userinfo_before = provider.userinfo(citizen)
    answer = revoke(provider, citizen, portal)
    if answer.status != 200:
        findings.failed(
            "Own token not revoked",
            f"{portal.client_id} revoking its own token: {answer.describe()}",
            operation="revoke",
            reply=answer,
        )
        return
    after = introspect(provider, citizen, portal)
    if active(after) is not False:
        findings.failed(
            "Revoked token still active",
            f"after revocation answered 200, introspection says active "
            f"{after.member('active')!r} ({after.describe()})",
            operation="introspect",
            reply=after,
        )
    else:
        findings.passed("introspect", after)
    _userinfo_after_revocation(provider, citizen, userinfo_before)


def _userinfo_after_revocation(provider: Provider, citizen: str, before: Reply | None) -> None:
    """Userinfo refuses the revoked token, judged only where it accepted it before."""
    findings = provider.session.findings
    if before is not None and before.status != 200:
        findings.error(
            "Userinfo part not executed",
            f"the userinfo endpoint refused the citizen's access token before it was revoked "
            f"({before.describe()}), so its refusal afterwards would prove nothing",
            operation="getUserinfo",
            exchange=before.exchange,
        )
    elif before is not None:
        userinfo = provider.userinfo(citizen)
        assert userinfo is not None
        if userinfo.status != 401:
            findings.failed(
                "Revoked token accepted at userinfo",
                f"{userinfo.describe()} for a revoked access token; expected 401",
                operation="getUserinfo",
                reply=userinfo,
            )
        else:
            findings.passed("getUserinfo", userinfo)


def _error_problems(reply: Reply, registered: frozenset[str]) -> list[str]:
    problems = []
    if reply.status not in (400, 401):
        problems.append(f"status {reply.status}, not 400 or 401")
    media_type = reply.media_type
    if media_type != "application/json" and not media_type.endswith("+json"):
        problems.append(f"Content-Type {media_type or 'none'}, not JSON")
    body = reply.json()
    if not isinstance(body, dict):
        return [*problems, "the body is not a JSON object"]
    error = body.get("error")
    if error not in registered:
        problems.append(f"error is {error!r}, not a registered error code")
    for name in ("error_description", "error_uri"):
        value = body.get(name)
        if value is not None and not (isinstance(value, str) and DESCRIPTION.fullmatch(value)):
            problems.append(f"{name} is not a string of the characters RFC 6749 allows")
    return problems


def _no_store(reply: Reply) -> bool:
    value = (reply.header("cache-control") or "").lower()
    return "no-store" in [part.strip() for part in value.split(",")]


@identity_check("bb:identity:oauth-error-format")
def oauth_error_format(provider: Provider) -> None:
    findings = provider.session.findings
    organisation = provider.clients.organisation
    errors: list[tuple[str, str, frozenset[str], Reply]] = [
        (
            "a token request with an unknown grant_type",
            "token",
            TOKEN_ERRORS,
            provider.post_form(
                "token_endpoint",
                {"grant_type": "urn:example:unknown", **provider.authentication(organisation)},
            ),
        ),
        (
            "a token request without client authentication",
            "token",
            TOKEN_ERRORS,
            provider.post_form("token_endpoint", {"grant_type": "client_credentials"}),
        ),
    ]
    for endpoint, operation in (("introspection_endpoint", "introspect"), ("revocation_endpoint",
                                                                         "revoke")):  # fmt: skip
        if endpoint in provider.metadata:
            reply = provider.post_form(endpoint, {"token": secrets.token_urlsafe(16)})
            errors.append(
                (f"a request to the {endpoint} without client authentication", operation,
                 MANAGEMENT_ERRORS, reply)
            )  # fmt: skip
    for case, operation, registered, reply in errors:
        problems = _error_problems(reply, registered)
        if problems:
            findings.failed(
                "OAuth error response not in RFC 6749 form",
                f"{case}: " + "; ".join(problems),
                operation=operation,
                reply=reply,
            )
        else:
            findings.passed(operation, reply)
    successes = [("token", provider.client_credentials(organisation))]
    if "introspection_endpoint" in provider.metadata:
        token = provider.require_tokens(successes[0][1], "a token")["access_token"]
        successes.append(("introspect", introspect(provider, token, organisation)))
    for operation, reply in successes:
        if reply.status == 200 and not _no_store(reply):
            findings.failed(
                "Token or introspection response may be cached",
                f"{reply.describe()} without Cache-Control: no-store",
                operation=operation,
                reply=reply,
            )
        else:
            findings.passed(operation, reply)
