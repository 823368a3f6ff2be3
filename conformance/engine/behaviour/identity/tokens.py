"""What the provider's tokens say (RFC 9068, RFC 7662, OpenID Connect Core 2 and 5.3, NL GOV).

An access token is read where the client's resource servers read it: its payload when it is a
JWT, else the provider's introspection of it (``Provider.access_claims``).

- bb:identity:access-token-claims (GDI-IDN-030): a JWT access token has iss, aud, exp, iat, jti,
  sub and azp (NL GOV); introspection of an opaque one says active, exp and the client; the
  token response says token_type Bearer (RFC 6749 5.1);
- bb:identity:jti-entropy (GDI-IDN-031): a JWT's jti (an opaque token: the token itself) never
  repeats and carries at least 128 bits;
- bb:identity:token-audience (GDI-IDN-032): aud names the resource of every scope granted;
- bb:identity:organisation-claims (GDI-IDN-033): an organisation's token carries its OIN;
- bb:identity:id-token-lifetime (GDI-IDN-034): ID tokens live at most 300 s, have the issuer,
  the client as audience and the request's nonce;
- bb:identity:sub-not-bsn (GDI-IDN-035): a citizen's sub is no BSN; the BSN is only in ``bsn``;
- bb:identity:bsn-claim-authorised (GDI-IDN-036): a client not allowed to see BSNs gets none;
- bb:identity:bsn-claim-given (GDI-IDN-036): a client allowed to see BSNs gets the citizen's;
- bb:identity:pairwise-sub (GDI-IDN-037): one client always sees the same sub for a citizen,
  another client a different one;
- bb:identity:userinfo-query-token (GDI-IDN-043): a citizen's token that userinfo accepts in
  the Authorization header is refused in the query string.

Claims are read without verifying the signature here: that is bb:identity:token-signature's
concern, and one defect should fail one check. Where the userinfo endpoint refuses the token the
check needs, that part is not executed and the check says why (never a quiet pass).
"""

from __future__ import annotations

import math
import string
from typing import Any
from urllib.parse import urlencode

from conformance.client.harness_clients import TestClient
from conformance.client.identifiers import is_valid_bsn
from conformance.client.reply import Reply
from conformance.engine.behaviour.identity.provider import (
    Provider,
    TokenClaims,
    is_jwt,
    unverified,
)
from conformance.engine.behaviour.identity.registration import identity_check

CLOCK_SKEW = 60  # seconds a provider's clock may differ from the harness's
ID_TOKEN_MAX_LIFETIME = 300
JTI_MIN_BITS = 128
JTI_SAMPLES = 6
RESOURCE_OF_SCOPE = {
    "messaging:send": "urn:nld:gdi:messaging",
    "messaging:read": "urn:nld:gdi:messaging",
    "messaging:subscribe": "urn:nld:gdi:messaging",
    "registries:read": "urn:nld:gdi:registries",
    "registries:declare": "urn:nld:gdi:registries",
}


def _claims(token: str) -> dict[str, Any]:
    return unverified(token)[1]


def _audiences(claims: dict[str, Any]) -> list[str]:
    aud = claims.get("aud")
    if isinstance(aud, str):
        return [aud]
    return [item for item in aud if isinstance(item, str)] if isinstance(aud, list) else []


def _granted(response: dict[str, Any], asked: list[str]) -> list[str]:
    """The scopes granted: the response's scope (RFC 6749 5.1), else the ones asked for."""
    scope = response.get("scope")
    return scope.split() if isinstance(scope, str) else list(asked)


def access_token_problems(
    provider: Provider, response: dict[str, Any], client: TestClient, read: TokenClaims
) -> list[str]:
    problems: list[str] = []
    if str(response.get("token_type", "")).lower() != "bearer":
        problems.append(f"token_type is {response.get('token_type')!r}, not Bearer")
    claims, now = read.claims, provider.now()
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int) or exp <= now - CLOCK_SKEW:
        problems.append(f"exp is {exp!r}, not a time in the future")
    if ("iss" in claims or read.is_jwt) and claims.get("iss") != provider.issuer:
        problems.append(f"iss is {claims.get('iss')!r}, not the issuer {provider.issuer!r}")
    if read.is_jwt:  # RFC 9068 2.2 and the NL GOV profile's JWT access token claims
        if not _audiences(claims):
            problems.append("aud is missing or empty")
        if not isinstance(iat, int) or iat > now + CLOCK_SKEW:
            problems.append(f"iat is {iat!r}, not the time of issue")
        for name in ("jti", "sub"):
            if not isinstance(claims.get(name), str) or not claims[name]:
                problems.append(f"{name} is missing or not a non-empty string")
        if claims.get("azp") != client.client_id:
            problems.append(f"azp is {claims.get('azp')!r}, not the client id {client.client_id!r}")
    elif client.client_id not in (claims.get("client_id"), claims.get("azp")):
        problems.append(
            f"client_id is {claims.get('client_id')!r}, not the client {client.client_id!r}"
        )
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
        read = provider.access_claims(response, client)
        problems = access_token_problems(provider, response, client, read)
        if problems:
            findings.failed(
                "Access token lacks required claims",
                f"the {read.source} of the {what} token issued to {client.client_id}: "
                + "; ".join(problems),
                operation="token" if read.is_jwt else "introspect",
                reply=read.reply or provider.reply_of(response),
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
    what = "jti"
    for _ in range(max(JTI_SAMPLES, provider.session.settings.examples)):
        response = provider.organisation_token()
        token = response["access_token"]
        if not is_jwt(token):  # an opaque token is itself the value a guesser must hit
            what = "opaque access token"
            samples.append(token)
            continue
        jti = _claims(token).get("jti")
        if not isinstance(jti, str) or not jti:
            findings.failed(
                "Access token without jti",
                "a JWT access token has no jti (RFC 9068 2.2)",
                operation="token",
                reply=provider.reply_of(response),
            )
            return
        samples.append(jti)
    if len(set(samples)) != len(samples):
        findings.failed(
            f"Repeated {what}",
            f"{len(samples)} access tokens share {what} values",
            operation="token",
            reply=provider.reply_of(response),
        )
        return
    bits = jti_bits(samples)
    if bits < JTI_MIN_BITS:
        findings.failed(
            f"{what} with too little randomness",
            f"{len(samples)} access tokens have {what} values such as {samples[0]!r} and "
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
        asked = [scope for scope in scopes if scope in organisation.scopes]
        if not asked:
            continue
        response = provider.organisation_token(" ".join(asked))
        granted = _granted(response, asked)
        wanted = sorted(
            {RESOURCE_OF_SCOPE[scope] for scope in granted if scope in RESOURCE_OF_SCOPE}
        )
        read = provider.access_claims(response, organisation)
        audiences = _audiences(read.claims)
        missing = [item for item in wanted if item not in audiences]
        if missing:
            findings.failed(
                "Access token audience misses a resource",
                f"a token granted scope {' '.join(granted)!r} has aud {audiences} "
                f"({read.source}); it must name {', '.join(missing)}",
                operation="token",
                reply=read.reply or provider.reply_of(response),
            )
        else:
            findings.passed("token")


@identity_check("bb:identity:organisation-claims")
def organisation_claims(provider: Provider) -> None:
    findings = provider.session.findings
    for client in (provider.clients.organisation, provider.clients.second_organisation):
        reply = provider.client_credentials(client)
        response = provider.require_tokens(reply, f"a token for {client.client_id}")
        read = provider.access_claims(response, client)
        if read.claims.get("oin") != client.oin:
            findings.failed(
                "Organisation token lacks its OIN",
                f"the {read.source} of the client_credentials token of {client.client_id}: "
                f"oin is {read.claims.get('oin')!r}, not the OIN {client.oin!r}",
                operation="token",
                reply=read.reply or reply,
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
            reply=provider.reply_of(tokens),
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


def _claim_sets(
    provider: Provider, client: TestClient
) -> dict[str, tuple[dict[str, Any], Reply | None]]:
    """The citizen's access token, ID token and userinfo claims through ``client``, each with
    the answer that carried it. A userinfo endpoint that refuses the citizen's token is an error
    observation (that part not executed, with the answer), never a silent pass."""
    tokens, _ = provider.citizen_tokens(client)
    carrier = provider.reply_of(tokens)
    read = provider.access_claims(tokens, client)
    sets = {read.source: (read.claims, read.reply or carrier)}
    if isinstance(tokens.get("id_token"), str):
        sets["ID token"] = (_claims(tokens["id_token"]), carrier)
    reply = provider.userinfo(tokens["access_token"])
    if reply is not None:
        body = reply.json()
        if reply.status == 200 and isinstance(body, dict):
            sets["userinfo"] = (body, reply)
        else:
            provider.session.findings.error(
                "Userinfo not executed",
                f"the userinfo endpoint refused the citizen's access token of {client.client_id} "
                f"(scope openid): {reply.describe()}; what it tells about the citizen could not "
                "be judged",
                operation="getUserinfo",
                exchange=reply.exchange,
            )
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
        operation = "getUserinfo" if what == "userinfo" else "token"
        if problems:
            findings.failed(
                "A citizen's BSN outside the bsn claim",
                f"the {what} of the test citizen through {portal.client_id}: "
                + "; ".join(problems),
                operation=operation,
                reply=reply,
            )
        else:
            findings.passed(operation, reply)


@identity_check("bb:identity:bsn-claim-authorised")
def bsn_claim_authorised(provider: Provider) -> None:
    app = provider.clients.portal_without_bsn
    if app.bsn_allowed:
        return
    bsn = provider.citizen
    findings = provider.session.findings
    for what, (claims, reply) in _claim_sets(provider, app).items():
        holding = _holding(claims, bsn)
        operation = "getUserinfo" if what == "userinfo" else "token"
        if "bsn" in claims or holding:
            where = ", ".join(sorted({"bsn", *holding} if "bsn" in claims else set(holding)))
            findings.failed(
                "BSN given to a client not allowed to see it",
                f"the {what} issued through {app.client_id}, which is not registered to see "
                f"BSNs, carries the citizen's BSN ({where})",
                operation=operation,
                reply=reply,
            )
        else:
            findings.passed(operation, reply)


@identity_check("bb:identity:bsn-claim-given")
def bsn_claim_given(provider: Provider) -> None:
    """The other half of GDI-IDN-036: a client registered to see BSNs receives the citizen's."""
    portal = provider.clients.portal
    findings = provider.session.findings
    if not portal.bsn_allowed:
        findings.error(
            "No client allowed to see BSNs",
            f"the test client {portal.client_id} is not registered as allowed to see BSNs, so "
            "nothing shows that such a client receives one",
        )
        return
    bsn = provider.citizen
    sets = _claim_sets(provider, portal)
    carriers = [what for what, (claims, _reply) in sets.items() if claims.get("bsn") == bsn]
    if carriers:
        findings.passed("token")
        return
    _claims_seen, reply = next(iter(sets.values()))
    findings.failed(
        "BSN not given to a client allowed to see it",
        f"{portal.client_id} is registered to see BSNs, but neither the "
        f"{', '.join(sets)} of the test citizen carries bsn {bsn!r}",
        operation="token",
        reply=reply,
    )


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


@identity_check("bb:identity:userinfo-query-token")
def userinfo_query_token(provider: Provider) -> None:
    """RFC 6750 2.3 / NL GOV: no token in a URI. Judged with a token userinfo accepts in the
    header, so that a refusal shows the query string was refused, not the token."""
    findings = provider.session.findings
    if "userinfo_endpoint" not in provider.metadata:
        findings.error("No userinfo endpoint", "the provider metadata has no userinfo_endpoint")
        return
    portal = provider.clients.portal
    tokens, _ = provider.citizen_tokens(portal)
    token = tokens["access_token"]
    control = provider.userinfo(token)
    if control is None or control.status != 200:
        findings.error(
            "Userinfo not executed",
            f"the userinfo endpoint refused the citizen's access token of {portal.client_id} in "
            f"the Authorization header ({control.describe() if control else 'no answer'}), so a "
            "refusal in the query string would prove nothing",
            operation="getUserinfo",
            exchange=control.exchange if control else None,
        )
        return
    endpoint = provider.endpoint("userinfo_endpoint")
    url = endpoint + ("&" if "?" in endpoint else "?") + urlencode({"access_token": token})
    reply = provider.session.call(None, "GET", url, headers={"Accept": "application/json"})
    if reply.status == 200:
        findings.failed(
            "Access token accepted in the query string",
            f"{reply.describe()} for a userinfo request with the citizen's token in the "
            "access_token query parameter; tokens must travel in the Authorization header",
            operation="getUserinfo",
            reply=reply,
        )
    else:
        findings.passed("getUserinfo", reply)
