"""Provider metadata and keys (OpenID Connect Discovery 1.0, RFC 8414, RFC 7517).

- bb:identity:discovery-complete (GDI-IDN-001): the metadata is served without authentication
  and has every member the profile lists, with the right JSON type;
- bb:identity:discovery-consistent (GDI-IDN-002): issuer is exactly the URL the document was
  fetched from minus ``/.well-known/openid-configuration``; every endpoint is an absolute URL
  (https when the metadata itself came over https) on which something answers;
- bb:identity:jwks-public-only (GDI-IDN-003): the JWKS holds public keys with unique kids only,
  and the kid of an issued token is one of them;
- bb:identity:no-implicit (GDI-IDN-026): the metadata offers the authorization code flow
  only: no response type that returns tokens from the authorization endpoint, no implicit grant;
- bb:identity:token-signature (GDI-IDN-004): ID tokens, and access tokens that are JWTs, are
  RS256/PS256 JWS that verify against the JWKS.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from conformance.client.harness_clients import TestClient
from conformance.engine.behaviour.identity.provider import (
    WELL_KNOWN,
    Provider,
    TokenProblem,
    is_jwt,
    unverified,
)
from conformance.engine.behaviour.identity.registration import identity_check

DISCOVERY = "getOpenidConfiguration"
REQUIRED_STRINGS = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
REQUIRED_LISTS = (
    "response_types_supported",
    "subject_types_supported",
    "id_token_signing_alg_values_supported",
    "grant_types_supported",
    "token_endpoint_auth_methods_supported",
    "code_challenge_methods_supported",
    "scopes_supported",
)
# Endpoints a provider may advertise, and how the harness asks each one whether it is there.
ENDPOINT_PROBES = {
    "authorization_endpoint": "GET",
    "token_endpoint": "POST",
    "userinfo_endpoint": "GET",
    "jwks_uri": "GET",
    "introspection_endpoint": "POST",
    "revocation_endpoint": "POST",
}
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")


@identity_check("bb:identity:discovery-complete")
def discovery_complete(provider: Provider) -> None:
    findings = provider.session.findings
    url, reply = provider.fetch_metadata()
    document = reply.json()
    if reply.status != 200 or not isinstance(document, dict):
        findings.failed(
            "Provider metadata not served",
            f"{reply.describe()}; the metadata must be a JSON object served without authentication",
            operation=DISCOVERY,
            reply=reply,
        )
        return
    problems = [
        f"{name} is missing or not a string"
        for name in REQUIRED_STRINGS
        if not (isinstance(document.get(name), str) and document[name])
    ]
    for name in REQUIRED_LISTS:
        value = document.get(name)
        if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
            problems.append(f"{name} is missing or not a non-empty list of strings")
    if "code" not in (document.get("response_types_supported") or ()):
        problems.append("response_types_supported does not list code")
    if "S256" not in (document.get("code_challenge_methods_supported") or ()):
        problems.append("code_challenge_methods_supported does not list S256")
    if problems:
        findings.failed(
            "Provider metadata incomplete",
            f"{url}: " + "; ".join(problems),
            operation=DISCOVERY,
            reply=reply,
        )
    else:
        findings.passed(DISCOVERY, reply)


def _url_problem(value: object, secure: bool) -> str | None:
    if not isinstance(value, str):
        return "is not a string"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"{value!r} is not an absolute http(s) URL"
    if parts.fragment:
        return f"{value!r} has a fragment"
    if secure and parts.scheme != "https":
        return f"{value!r} is not https although the metadata is served over https"
    return None


@identity_check("bb:identity:discovery-consistent")
def discovery_consistent(provider: Provider) -> None:
    findings = provider.session.findings
    metadata = provider.metadata
    url, reply = provider.fetch_metadata()
    expected = url[: -len(WELL_KNOWN)] if url.endswith(WELL_KNOWN) else None
    issuer = metadata.get("issuer")
    if expected is not None and issuer != expected:
        findings.failed(
            "Issuer differs from where the metadata was fetched",
            f"the metadata at {url} says issuer {issuer!r}; OpenID Connect Discovery 4.3 "
            f"requires exactly {expected!r}",
            operation=DISCOVERY,
            reply=reply,
        )
    else:
        findings.passed(DISCOVERY, reply)
    secure = url.startswith("https://")
    for name, method in ENDPOINT_PROBES.items():
        if name not in metadata:
            continue
        problem = _url_problem(metadata[name], secure)
        if problem is not None:
            findings.failed(
                f"{name} is not a usable URL",
                f"the metadata's {name} {problem}",
                operation=DISCOVERY,
                reply=reply,
            )
            continue
        answer = provider.session.call(
            None,
            method,
            metadata[name],
            raw=b"" if method == "POST" else None,
            headers={"Content-Type": "application/x-www-form-urlencoded"}
            if method == "POST"
            else None,
        )
        if answer.status in (404, 405) or answer.status >= 500:
            findings.failed(
                f"{name} does not answer",
                f"the advertised {name}: {answer.describe()}; an endpoint the metadata "
                "advertises must exist",
                operation=DISCOVERY,
                reply=answer,
            )
        else:
            findings.passed(DISCOVERY, answer)


def _key_problems(keys: list[Any]) -> tuple[list[str], list[str]]:
    """What makes the JWKS more than public keys with unique kids, and the kids it holds."""
    problems: list[str] = []
    kids: list[str] = []
    for index, key in enumerate(keys):
        if not isinstance(key, dict):
            problems.append(f"keys[{index}] is not an object")
            continue
        private = [member for member in PRIVATE_MEMBERS if member in key]
        if private:
            problems.append(f"keys[{index}] has private key member(s) {', '.join(private)}")
        kid = key.get("kid")
        if not isinstance(kid, str) or not kid:
            problems.append(f"keys[{index}] has no kid")
        elif kid in kids:
            problems.append(f"keys[{index}] repeats kid {kid!r}")
        else:
            kids.append(kid)
    return problems, kids


@identity_check("bb:identity:jwks-public-only")
def jwks_public_only(provider: Provider) -> None:
    findings = provider.session.findings
    reply = provider.jwks_reply()
    document = reply.json()
    keys = document.get("keys") if isinstance(document, dict) else None
    if reply.status != 200 or not isinstance(keys, list) or not keys:
        findings.failed(
            "No JWKS",
            f"{reply.describe()}; expected a JSON object whose keys list is not empty",
            operation="getJwks",
            reply=reply,
        )
        return
    problems, kids = _key_problems(keys)
    if problems:
        findings.failed(
            "JWKS is not public keys with unique kids only",
            "; ".join(problems),
            operation="getJwks",
            reply=reply,
        )
    else:
        findings.passed("getJwks", reply)
    body = provider.organisation_token()
    what, token = "an access token", body["access_token"]
    if not is_jwt(token):  # opaque access tokens have no header: an ID token's kid then
        tokens, _ = provider.citizen_tokens(provider.clients.portal)
        what, token = "an ID token", tokens.get("id_token")
        body = tokens
    if not isinstance(token, str) or not is_jwt(token):
        findings.error(
            "No signed token to compare with the JWKS",
            "neither the access token nor an ID token issued by the provider is a JWT",
        )
        return
    header, _ = unverified(token)
    if header.get("kid") not in kids:
        findings.failed(
            "Token names no key of the JWKS",
            f"{what}'s header names kid {header.get('kid')!r}; the JWKS has "
            f"{', '.join(kids) or 'no kid'}",
            operation="token",
            reply=provider.reply_of(body) or reply,
        )
    else:
        findings.passed("token")


def _verify(provider: Provider, tokens: dict[str, Any], name: str, client: TestClient) -> None:
    findings = provider.session.findings
    what = "ID token" if name == "id_token" else "access token"
    try:
        provider.verify(tokens[name])
    except TokenProblem as exc:
        findings.failed(
            "Token does not verify against the JWKS",
            f"the {what} issued to {client.client_id}: {exc}",
            operation="token",
            reply=provider.reply_of(tokens),
        )
    else:
        findings.passed("token")


@identity_check("bb:identity:token-signature")
def token_signature(provider: Provider) -> None:
    """ID tokens always; access tokens when they are JWTs (an opaque one has no signature:
    what it stands for is read at introspection)."""
    organisation = provider.clients.organisation
    issued = provider.organisation_token()
    if is_jwt(issued["access_token"]):
        _verify(provider, issued, "access_token", organisation)
    portal = provider.clients.portal
    tokens, _ = provider.citizen_tokens(portal)
    if is_jwt(tokens["access_token"]):
        _verify(provider, tokens, "access_token", portal)
    if isinstance(tokens.get("id_token"), str):
        _verify(provider, tokens, "id_token", portal)
    else:
        provider.session.findings.failed(
            "No ID token",
            f"the token response to {portal.client_id}'s code exchange with scope openid has "
            "no id_token",
            operation="token",
            reply=provider.reply_of(tokens),
        )


@identity_check("bb:identity:no-implicit")
def no_implicit(provider: Provider) -> None:
    """NL GOV: the authorization code flow only. A response type other than ``code`` (``token``,
    ``id_token`` and their combinations) hands tokens out at the authorization endpoint."""
    findings = provider.session.findings
    url, reply = provider.fetch_metadata()
    metadata = provider.metadata
    response_types = metadata.get("response_types_supported") or []
    grants = metadata.get("grant_types_supported") or []
    offered = [item for item in response_types if item != "code"]
    if "implicit" in grants:
        offered.append("grant type implicit")
    if offered:
        findings.failed(
            "Implicit or hybrid flow offered",
            f"the metadata at {url} offers {', '.join(repr(item) for item in offered)}; only "
            "the authorization code flow (response type code) is allowed",
            operation=DISCOVERY,
            reply=reply,
        )
    else:
        findings.passed(DISCOVERY, reply)
