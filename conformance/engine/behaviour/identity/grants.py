"""Grants: the authorization code flow with PKCE (RFC 6749 section 4.1, RFC 7636) and the
rules of the NL GOV profile on redirect URIs, grant types and scopes.

Every authorization request goes through the login driver (see ``login``), so these checks
work for any provider whose test citizen a driver can log in.

- bb:identity:pkce-required (GDI-IDN-020): no code without an S256 code_challenge;
- bb:identity:pkce-verifier (GDI-IDN-021): no token without the matching code_verifier;
- bb:identity:code-single-use (GDI-IDN-022): a code is exchanged once;
- bb:identity:redirect-uri-exact (GDI-IDN-023): nothing is redirected to an unregistered URI;
- bb:identity:single-grant-type (GDI-IDN-024): a client uses only its own grant type;
- bb:identity:scope-restriction (GDI-IDN-025): unregistered scopes are never granted (refused,
  or ignored with the granted scope said, RFC 6749 3.3).
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from urllib.parse import urlsplit

from hypothesis import strategies as st

from conformance.client.oauth import s256
from conformance.client.reply import Reply
from conformance.engine.behaviour.base import Disagreement
from conformance.engine.behaviour.explore import explore
from conformance.engine.behaviour.identity.provider import Login, Provider
from conformance.engine.behaviour.identity.registration import identity_check

UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
VERIFIERS = st.text(alphabet=UNRESERVED, min_size=43, max_size=128)


def _reply(login: Login) -> Reply | None:
    return Reply(login.exchange, None) if login.exchange is not None else None


def refused(
    provider: Provider, reply: Reply, errors: Collection[str], case: str, title: str
) -> None:
    """``reply`` must issue no token and be a 400/401 with one of ``errors``."""
    error = reply.member("error")
    if provider.issued(reply) is not None:
        message = f"{case}: the token endpoint issued an access token"
    elif reply.status not in (400, 401) or error not in errors:
        wanted = " or ".join(sorted(errors))
        message = f"{case}: refused with {reply.status} and error {error!r}, not {wanted}"
    else:
        provider.session.findings.passed("token", reply)
        return
    raise Disagreement(title, message, reply, operation="token")


def record(provider: Provider, disagreement: Disagreement | None) -> None:
    if disagreement is not None:
        provider.session.findings.record(disagreement)


@identity_check("bb:identity:pkce-required")
def pkce_required(provider: Provider) -> None:
    portal = provider.clients.portal
    provider.code(portal)  # with S256 the citizen gets a code: the control
    findings = provider.session.findings
    for pkce, case in ((False, "without code_challenge"), ("plain", "with method plain")):
        login = provider.login(portal, pkce=pkce)
        if login.code is not None:
            findings.failed(
                "Authorization code without PKCE S256",
                f"an authorization request {case} got an authorization code; PKCE with S256 "
                "is required",
                operation="authorize",
                reply=_reply(login),
            )
        else:
            findings.passed("authorize", _reply(login))


@identity_check("bb:identity:pkce-verifier")
def pkce_verifier(provider: Provider) -> None:
    portal = provider.clients.portal
    title = "Code exchanged without the matching code_verifier"

    def attempt(verifier: str | None, case: str, errors: Collection[str]) -> None:
        login = provider.code(portal)
        reply = provider.exchange_code(portal, login, verifier=verifier)
        refused(provider, reply, errors, case, title)

    cases: list[tuple[str | None, str, tuple[str, ...]]] = [
        (None, "a code exchange without code_verifier", ("invalid_request", "invalid_grant")),
        (secrets.token_urlsafe(48), "a code exchange with another verifier", ("invalid_grant",)),
    ]
    for verifier, case, errors in cases:
        try:
            attempt(verifier, case, errors)
        except Disagreement as disagreement:
            record(provider, disagreement)
    # A server that compares the verifier with the challenge itself would take this one.
    login = provider.code(portal)
    assert login.verifier is not None
    try:
        refused(
            provider,
            provider.exchange_code(portal, login, verifier=s256(login.verifier)),
            ("invalid_grant",),
            "a code exchange with the code_challenge sent as code_verifier",
            title,
        )
    except Disagreement as disagreement:
        record(provider, disagreement)

    explore(
        provider.session,
        VERIFIERS,
        lambda verifier: attempt(
            verifier, f"a code exchange with the wrong verifier {verifier!r}", ("invalid_grant",)
        ),
    )


@identity_check("bb:identity:code-single-use")
def code_single_use(provider: Provider) -> None:
    portal = provider.clients.portal
    login = provider.code(portal)
    provider.require_tokens(provider.exchange_code(portal, login), "tokens for a fresh code")
    try:
        refused(
            provider,
            provider.exchange_code(portal, login),
            ("invalid_grant",),
            "the same authorization code exchanged a second time",
            "Authorization code accepted twice",
        )
    except Disagreement as disagreement:
        record(provider, disagreement)


def _sent_to(location: str, target: str) -> bool:
    """Whether the browser was sent to ``target``: the redirect is ``target`` plus parameters."""
    return location == target or location.startswith((target + "?", target + "&", target + "#"))


@identity_check("bb:identity:redirect-uri-exact")
def redirect_uri_exact(provider: Provider) -> None:
    portal = provider.clients.portal
    registered = portal.redirect_uri or ""
    provider.code(portal)  # the registered URI works: the control
    parts = urlsplit(registered)
    variants = [
        registered + "/extra",
        registered + "/",
        registered + ("&" if parts.query else "?") + "next=https%3A%2F%2Fattacker.example",
        f"{parts.scheme}://attacker.example{parts.path}",
        f"{parts.scheme}://{parts.netloc}.attacker.example{parts.path}",
    ]
    findings = provider.session.findings
    for variant in variants:
        login = provider.login(portal, redirect_uri=variant)
        if login.redirect is not None and _sent_to(login.redirect, variant):
            issued = " with an authorization code" if login.code else ""
            findings.failed(
                "Redirected to an unregistered redirect_uri",
                f"an authorization request with redirect_uri {variant!r} (registered: "
                f"{registered!r}) was redirected there{issued}; the server must answer with an "
                "error and not redirect",
                operation="authorize",
                reply=_reply(login),
            )
        else:
            findings.passed("authorize", _reply(login))


@identity_check("bb:identity:single-grant-type")
def single_grant_type(provider: Provider) -> None:
    portal, organisation = provider.clients.portal, provider.clients.organisation
    provider.organisation_token()  # the organisation's own grant works: the control
    title = "A client used a grant it is not registered for"
    try:
        refused(
            provider,
            provider.client_credentials(portal),
            ("unauthorized_client",),
            f"a client_credentials request of {portal.client_id} (an authorization_code client)",
            title,
        )
    except Disagreement as disagreement:
        record(provider, disagreement)
    fields = {
        "grant_type": "authorization_code",
        "code": secrets.token_urlsafe(32),
        "redirect_uri": portal.redirect_uri or "https://client.example/callback",
        "code_verifier": secrets.token_urlsafe(48),
        **provider.authentication(organisation),
    }
    try:
        refused(
            provider,
            provider.post_form("token_endpoint", fields),
            # Whether the grant type or the (unknown) code is judged first is the server's choice.
            ("unauthorized_client", "invalid_grant"),
            f"an authorization_code request of {organisation.client_id} (a client_credentials "
            "client)",
            title,
        )
    except Disagreement as disagreement:
        record(provider, disagreement)


def _scope_problem(provider: Provider, reply: Reply, extra: str) -> str | None:
    """Why a token response to a request with the unregistered scope ``extra`` breaks
    RFC 6749 3.3, or None: refused with invalid_scope, or ``extra`` left out of the granted
    scope and the granted scope said in the response when it differs from the request."""
    body = provider.issued(reply)
    if body is None:
        error = reply.member("error")
        if reply.status in (400, 401) and error == "invalid_scope":
            return None
        return f"refused with {reply.status} and error {error!r}, not invalid_scope"
    scope = body.get("scope")
    if not isinstance(scope, str):
        return (
            "the token endpoint issued a token without saying which scope it granted; RFC 6749 "
            "3.3 requires the scope parameter when it differs from the request"
        )
    if extra in scope.split():
        return f"the token endpoint granted {scope!r}, including {extra!r}"
    claims = provider.access_claims(body, provider.clients.organisation).claims
    held = claims.get("scope")
    if isinstance(held, str) and extra in held.split():
        return f"the access token holds scope {held!r}, including {extra!r}"
    return None


@identity_check("bb:identity:scope-restriction")
def scope_restriction(provider: Provider) -> None:
    """RFC 6749 3.3: a scope the client is not registered for is never granted; the server may
    refuse the request (invalid_scope) or ignore that scope and say what it granted."""
    organisation = provider.clients.organisation
    own = organisation.scopes[0] if organisation.scopes else "messaging:send"
    provider.require_tokens(
        provider.client_credentials(organisation, own), f"a token for its own scope {own}"
    )
    title = "Unregistered scope granted"
    findings = provider.session.findings
    for scope in ("messaging:read", "registries:admin"):
        if scope in organisation.scopes:
            continue
        reply = provider.client_credentials(organisation, f"{own} {scope}")
        problem = _scope_problem(provider, reply, scope)
        if problem is None:
            findings.passed("token", reply)
        else:
            findings.failed(
                title,
                f"{organisation.client_id} asking for scope {scope!r}, which is not registered "
                f"for it: {problem}",
                operation="token",
                reply=reply,
            )
    _unregistered_scope_at_login(provider, title)


def _unregistered_scope_at_login(provider: Provider, title: str) -> None:
    """The same at the authorization endpoint: a login asking for a scope the app lacks."""
    findings = provider.session.findings
    app = provider.clients.portal_without_bsn
    scope = "registries:read"
    if scope in app.scopes:
        return
    login = provider.login(app, scope=f"openid {scope}")
    error = login.values.get("error")
    if login.code is not None:
        reply = provider.exchange_code(app, login)
        body = provider.issued(reply)
        granted = body.get("scope") if body else None
        if body is not None and isinstance(granted, str) and scope not in granted.split():
            findings.passed("authorize", reply)
            return
        outcome = (
            f"got a code whose token was granted {granted!r}"
            if body is not None
            else f"got a code the token endpoint would not exchange ({reply.describe()})"
        )
        findings.failed(
            title,
            f"an authorization request of {app.client_id} for scope {scope!r}, which is not "
            f"registered for it, {outcome}; the scope must be refused (invalid_scope) or left "
            "out of what is granted, and the granted scope said",
            operation="authorize",
            reply=reply,
        )
    elif error != "invalid_scope":
        outcome = (
            f"ended with {error!r}" if login.redirect else f"got no redirect back ({login.refusal})"
        )
        findings.failed(
            title,
            f"an authorization request of {app.client_id} for scope {scope!r}, which is not "
            f"registered for it, {outcome}; expected invalid_scope or a code without that scope",
            operation="authorize",
            reply=_reply(login),
        )
    else:
        findings.passed("authorize", _reply(login))
