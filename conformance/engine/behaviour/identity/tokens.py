"""What the provider's tokens say (RFC 9068, OpenID Connect Core 2 and 8, NL GOV profiles).

- bb:identity:access-token-claims (GDI-IDN-030): iss, aud, exp, iat, jti, azp, sub, scope;
  token_type Bearer and expires_in in the token response;
- bb:identity:jti-entropy (GDI-IDN-031): jti never repeats and carries at least 128 bits;
- bb:identity:token-audience (GDI-IDN-032): aud names the resource of every requested scope;
- bb:identity:organisation-claims (GDI-IDN-033): an organisation's token has its OIN and its
  client id as sub;
- bb:identity:id-token-lifetime (GDI-IDN-034): ID tokens live at most 300 s, have the issuer,
  the client as audience and the request's nonce;
- bb:identity:sub-not-bsn (GDI-IDN-035): a citizen's sub is no BSN; the BSN is only in ``bsn``;
- bb:identity:bsn-claim-authorised (GDI-IDN-036): a client not allowed to see BSNs gets none;
- bb:identity:pairwise-sub (GDI-IDN-037): one client always sees the same sub for a citizen,
  another client a different one.

Claims are read without verifying the signature here: that is bb:identity:token-signature's
concern, and one defect should fail one check.
"""

from __future__ import annotations

import math
import string
from typing import Any

from conformance.engine.behaviour.base import Reply
from conformance.engine.behaviour.identity.clients import TestClient
from conformance.engine.behaviour.identity.provider import Provider, unverified
from conformance.engine.behaviour.identity.registration import identity_check
from conformance.engine.identifiers import is_valid_bsn

CLOCK_SKEW = 60  # seconds a provider's clock may differ from the harness's
ID_TOKEN_MAX_LIFETIME = 300
JTI_MIN_BITS = 128
JTI_SAMPLES = 6
RESOURCE_OF_SCOPE = {
    "messaging:send": "urn:nld:gdi:messaging",
    "registries:read": "urn:nld:gdi:registries",
}


def _claims(token: str) -> dict[str, Any]:
    return unverified(token)[1]


def _audiences(claims: dict[str, Any]) -> list[str]:
    aud = claims.get("aud")
    if isinstance(aud, str):
        return [aud]
    return [item for item in aud if isinstance(item, str)] if isinstance(aud, list) else []


def access_token_problems(
    provider: Provider, response: dict[str, Any], client: TestClient
) -> list[str]:
    problems: list[str] = []
    if str(response.get("token_type", "")).lower() != "bearer":
        problems.append(f"token_type is {response.get('token_type')!r}, not Bearer")
    expires_in = response.get("expires_in")
    if not isinstance(expires_in, int) or isinstance(expires_in, bool) or expires_in <= 0:
        problems.append(f"expires_in is {expires_in!r}, not a positive number of seconds")
    claims = _claims(response["access_token"])
    now = provider.now()
    if claims.get("iss") != provider.issuer:
        problems.append(f"iss is {claims.get('iss')!r}, not the issuer {provider.issuer!r}")
    if not _audiences(claims):
        problems.append("aud is missing or empty")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int) or exp <= now - CLOCK_SKEW:
        problems.append(f"exp is {exp!r}, not a time in the future")
    if not isinstance(iat, int) or iat > now + CLOCK_SKEW:
        problems.append(f"iat is {iat!r}, not the time of issue")
    for name in ("jti", "sub", "scope"):
        if not isinstance(claims.get(name), str) or not claims[name]:
            problems.append(f"{name} is missing or not a non-empty string")
    if claims.get("azp") != client.client_id:
        problems.append(f"azp is {claims.get('azp')!r}, not the client id {client.client_id!r}")
    return problems


@identity_check("bb:identity:access-token-claims")
def access_token_claims(provider: Provider) -> None:
    findings = provider.session.findings
    organisation, portal = provider.clients.organisation, provider.clients.portal
    citizen, _ = provider.citizen_tokens(portal, "openid messaging:read")
    for client, response, what in (
        (organisation, provider.organisation_token(), "client_credentials"),
        (portal, citizen, "authorization_code"),
    ):
        problems = access_token_problems(provider, response, client)
        if problems:
            findings.failed(
                "Access token lacks required claims",
                f"the {what} access token issued to {client.client_id}: " + "; ".join(problems),
                operation="token",
                reply=provider.reply_of(response),
            )
        else:
            findings.passed("token")


def _bits_per_character(characters: set[str]) -> float:
    if characters <= set(string.digits):
        return math.log2(10)
    if characters <= set(string.hexdigits + "-"):
        return 4.0
    if characters <= set(string.ascii_letters + string.digits + "-_+/="):
        return 6.0
    return math.log2(max(len(characters), 95))


def jti_bits(samples: list[str]) -> float:
    """An upper estimate of the random bits in these jti values.

    Only positions whose character differs between samples count (a counter or a timestamp
    prefix varies in few), each with the bits its alphabet can carry at most.
    """
    length = min(len(item) for item in samples)
    varying = sum(1 for index in range(length) if len({item[index] for item in samples}) > 1)
    return varying * _bits_per_character(set("".join(samples)))


@identity_check("bb:identity:jti-entropy")
def jti_entropy(provider: Provider) -> None:
    findings = provider.session.findings
    samples: list[str] = []
    response: dict[str, Any] = {}
    for _ in range(max(JTI_SAMPLES, provider.session.settings.examples)):
        response = provider.organisation_token()
        claims = _claims(response["access_token"])
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            findings.failed("Access token without jti", "an access token has no jti")
            return
        samples.append(jti)
    if len(set(samples)) != len(samples):
        findings.failed(
            "Repeated jti",
            f"{len(samples)} access tokens share jti values: {samples}",
            operation="token",
            reply=provider.reply_of(response),
        )
        return
    bits = jti_bits(samples)
    if bits < JTI_MIN_BITS:
        findings.failed(
            "jti with too little randomness",
            f"{len(samples)} access tokens have jti values such as {samples[0]!r} and "
            f"{samples[1]!r}; they carry at most about {bits:.0f} random bits, fewer than "
            f"{JTI_MIN_BITS}",
            operation="token",
            reply=provider.reply_of(response),
        )
    else:
        findings.passed("token")


@identity_check("bb:identity:token-audience")
def token_audience(provider: Provider) -> None:
    findings = provider.session.findings
    organisation = provider.clients.organisation
    for scopes in (["messaging:send"], ["registries:read"], ["messaging:send", "registries:read"]):
        wanted = [RESOURCE_OF_SCOPE[scope] for scope in scopes if scope in organisation.scopes]
        response = provider.organisation_token(" ".join(scopes))
        audiences = _audiences(_claims(response["access_token"]))
        missing = [item for item in wanted if item not in audiences]
        if missing:
            findings.failed(
                "Access token audience misses a resource",
                f"a token for scope {' '.join(scopes)!r} has aud {audiences}; it must list "
                f"{', '.join(missing)}",
                operation="token",
                reply=provider.reply_of(response),
            )
        else:
            findings.passed("token")


@identity_check("bb:identity:organisation-claims")
def organisation_claims(provider: Provider) -> None:
    findings = provider.session.findings
    for client in (provider.clients.organisation, provider.clients.second_organisation):
        reply = provider.client_credentials(client)
        claims = _claims(provider.require_tokens(reply, f"a token for {client.client_id}")[
            "access_token"
        ])  # fmt: skip
        problems = []
        if claims.get("oin") != client.oin:
            problems.append(f"oin is {claims.get('oin')!r}, not the OIN {client.oin!r}")
        if claims.get("sub") != client.client_id:
            problems.append(f"sub is {claims.get('sub')!r}, not the client id")
        if problems:
            findings.failed(
                "Organisation token lacks its identity",
                f"the client_credentials token of {client.client_id}: " + "; ".join(problems),
                operation="token",
                reply=reply,
            )
        else:
            findings.passed("token")


def _id_token(provider: Provider, tokens: dict[str, Any], client: TestClient) -> dict[str, Any]:
    id_token = tokens.get("id_token")
    if not isinstance(id_token, str):
        provider.session.findings.failed(
            "No ID token",
            f"the code exchange of {client.client_id} with scope openid gave no id_token",
            operation="token",
        )
        return {}
    return _claims(id_token)


@identity_check("bb:identity:id-token-lifetime")
def id_token_lifetime(provider: Provider) -> None:
    portal = provider.clients.portal
    tokens, login = provider.citizen_tokens(portal)
    claims = _id_token(provider, tokens, portal)
    if not claims:
        return
    problems = []
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int) or not isinstance(iat, int):
        problems.append(f"exp {exp!r} and iat {iat!r} are not both times")
    elif exp - iat > ID_TOKEN_MAX_LIFETIME:
        problems.append(f"it lives {exp - iat} seconds (exp - iat), more than 300")
    if claims.get("iss") != provider.issuer:
        problems.append(f"iss is {claims.get('iss')!r}, not {provider.issuer!r}")
    if portal.client_id not in _audiences(claims):
        problems.append(f"aud {claims.get('aud')!r} does not contain {portal.client_id!r}")
    if claims.get("nonce") != login.nonce:
        problems.append("nonce does not echo the authorization request's nonce")
    if problems:
        provider.session.findings.failed(
            "ID token not short-lived or not bound to its request",
            f"the ID token issued to {portal.client_id}: " + "; ".join(problems),
            operation="token",
            reply=provider.reply_of(tokens),
        )
    else:
        provider.session.findings.passed("token")


def _userinfo(provider: Provider, access_token: str) -> tuple[dict[str, Any], Reply] | None:
    if "userinfo_endpoint" not in provider.metadata:
        return None
    reply = provider.session.call(
        None,
        "GET",
        provider.endpoint("userinfo_endpoint"),
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
    )
    body = reply.json()
    return (body, reply) if reply.status == 200 and isinstance(body, dict) else None


def _claim_sets(
    provider: Provider, client: TestClient
) -> dict[str, tuple[dict[str, Any], Reply | None]]:
    """The citizen's access token, ID token and userinfo claims through ``client``, each with
    the answer that carried it."""
    tokens, _ = provider.citizen_tokens(client)
    carrier = provider.reply_of(tokens)
    sets = {"access token": (_claims(tokens["access_token"]), carrier)}
    if isinstance(tokens.get("id_token"), str):
        sets["ID token"] = (_claims(tokens["id_token"]), carrier)
    userinfo = _userinfo(provider, tokens["access_token"])
    if userinfo is not None:
        sets["userinfo"] = userinfo
    return sets


def _holding(claims: dict[str, Any], value: str) -> list[str]:
    return [name for name, item in claims.items() if isinstance(item, str) and value in item]


@identity_check("bb:identity:sub-not-bsn")
def sub_not_bsn(provider: Provider) -> None:
    portal = provider.clients.portal
    bsn = provider.citizen
    findings = provider.session.findings
    for what, (claims, reply) in _claim_sets(provider, portal).items():
        sub = claims.get("sub")
        problems = []
        if sub == bsn or is_valid_bsn(sub):
            problems.append(f"sub is {sub!r}, a BSN")
        elsewhere = [name for name in _holding(claims, bsn) if name not in ("bsn", "sub")]
        if elsewhere:
            problems.append(f"the citizen's BSN appears in {', '.join(elsewhere)}")
        if problems:
            findings.failed(
                "A citizen's BSN outside the bsn claim",
                f"the {what} of the test citizen through {portal.client_id}: "
                + "; ".join(problems),
                operation="getUserinfo" if what == "userinfo" else "token",
                reply=reply,
            )
        else:
            findings.passed("token")


@identity_check("bb:identity:bsn-claim-authorised")
def bsn_claim_authorised(provider: Provider) -> None:
    app = provider.clients.portal_without_bsn
    if app.bsn_allowed:
        return
    bsn = provider.citizen
    findings = provider.session.findings
    for what, (claims, reply) in _claim_sets(provider, app).items():
        holding = _holding(claims, bsn)
        if "bsn" in claims or holding:
            where = ", ".join(sorted({"bsn", *holding} if "bsn" in claims else set(holding)))
            findings.failed(
                "BSN given to a client not allowed to see it",
                f"the {what} issued through {app.client_id}, which is not registered to see "
                f"BSNs, carries the citizen's BSN ({where})",
                operation="getUserinfo" if what == "userinfo" else "token",
                reply=reply,
            )
        else:
            findings.passed("token")


@identity_check("bb:identity:pairwise-sub")
def pairwise_sub(provider: Provider) -> None:
    portal, app = provider.clients.portal, provider.clients.portal_without_bsn
    logins = [(client, provider.citizen_tokens(client)[0]) for client in (portal, portal, app)]
    first, again, other = (_id_token(provider, tokens, who).get("sub") for who, tokens in logins)
    findings = provider.session.findings
    if first != again:
        findings.failed(
            "sub not stable",
            f"two logins of the same citizen through {portal.client_id} gave sub {first!r} and "
            f"{again!r}",
            operation="token",
            reply=provider.reply_of(logins[1][1]),
        )
    elif first == other:
        findings.failed(
            "sub not pairwise",
            f"{portal.client_id} and {app.client_id} both see the same citizen as sub {first!r}; "
            "a pairwise sub differs per client (sector)",
            operation="token",
            reply=provider.reply_of(logins[2][1]),
        )
    else:
        findings.passed("token")
