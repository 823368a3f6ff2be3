"""Client authentication at the token endpoint (RFC 7523 section 3, NL GOV OAuth profile).

- bb:identity:no-shared-secret (GDI-IDN-010): no shared-secret or ``none`` method advertised,
  and client_secret_basic / client_secret_post requests are refused with invalid_client;
- bb:identity:client-assertion-signature (GDI-IDN-011): assertions not signed by the client's
  registered key (another key, another client's key, alg none, HMAC with the public key, a
  tampered signature or payload) or whose iss/sub are not the client id are refused;
- bb:identity:client-assertion-audience (GDI-IDN-012): assertions for another audience are
  refused (the token endpoint and the issuer are both acceptable, as RFC 7523 allows);
- bb:identity:client-assertion-expiry (GDI-IDN-013): expired assertions are refused;
- bb:identity:client-assertion-replay (GDI-IDN-014): an assertion, or its jti, is accepted once.

Every refusal must be an RFC 6749 error ``invalid_client``; the wording of
``error_description`` is the provider's own business and is not judged. Each check first shows
that a correct assertion is accepted, so a provider that refuses everything does not pass.
Hypothesis draws further variants (where the signature is tampered with, which iss/sub/aud
values are sent), seeded by the run.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import strategies as st

from conformance.client.jose import b64url_encode
from conformance.client.reply import Reply
from conformance.engine.behaviour.base import Disagreement
from conformance.engine.behaviour.explore import explore
from conformance.engine.behaviour.identity.provider import Provider
from conformance.engine.behaviour.identity.registration import identity_check

SHARED_SECRET_METHODS = ("client_secret_basic", "client_secret_post", "client_secret_jwt", "none")
AUTH_METHOD_MEMBERS = (
    "token_endpoint_auth_methods_supported",
    "introspection_endpoint_auth_methods_supported",
    "revocation_endpoint_auth_methods_supported",
)
BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
CLIENT_ID_TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=40)


def refusal_problem(reply: Reply, provider: Provider) -> str | None:
    """None when ``reply`` refuses client authentication as RFC 6749 prescribes, else why not."""
    if provider.issued(reply) is not None:
        return "it was accepted: the token endpoint issued an access token"
    error = reply.member("error")
    if reply.status not in (400, 401) or error != "invalid_client":
        return f"it was refused with {reply.status} and error {error!r}, not invalid_client"
    return None


def expect_invalid_client(provider: Provider, reply: Reply, case: str, title: str) -> None:
    problem = refusal_problem(reply, provider)
    if problem is not None:
        raise Disagreement(title, f"{case}: {problem}", reply, operation="token")
    provider.session.findings.passed("token", reply)


def judge(provider: Provider, case: str, title: str, reply: Reply) -> None:
    """Record one case; a failing case does not hide the ones after it."""
    try:
        expect_invalid_client(provider, reply, case, title)
    except Disagreement as disagreement:
        provider.session.findings.record(disagreement)


def _accepted_control(provider: Provider) -> None:
    """A correct assertion gets a token: without that, refusals prove nothing."""
    provider.require_tokens(
        provider.client_credentials(provider.clients.organisation),
        "a token with a correct client assertion",
    )


def _with_assertion(provider: Provider, assertion: str) -> Reply:
    return provider.client_credentials(provider.clients.organisation, assertion=assertion)


@identity_check("bb:identity:no-shared-secret")
def no_shared_secret(provider: Provider) -> None:
    findings = provider.session.findings
    _url, metadata_reply = provider.fetch_metadata()  # the evidence of what it advertises
    for member in AUTH_METHOD_MEMBERS:
        methods = provider.metadata.get(member)
        offered = [m for m in methods or () if m in SHARED_SECRET_METHODS]
        if offered:
            findings.failed(
                "Shared-secret client authentication advertised",
                f"the metadata's {member} lists {', '.join(offered)}; only private_key_jwt "
                "(or mutual TLS) is allowed",
                operation="getOpenidConfiguration",
                reply=metadata_reply,
            )
    _accepted_control(provider)
    client = provider.clients.organisation
    secret = secrets.token_urlsafe(24)
    provider.secret(secret)
    basic = base64.b64encode(f"{client.client_id}:{secret}".encode()).decode("ascii")
    judge(
        provider,
        "a client_credentials request with client_secret_basic",
        "Shared secret accepted",
        provider.post_form(
            "token_endpoint",
            {"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        ),
    )
    judge(
        provider,
        "a client_credentials request with client_secret_post",
        "Shared secret accepted",
        provider.post_form(
            "token_endpoint",
            {
                "grant_type": "client_credentials",
                "client_id": client.client_id,
                "client_secret": secret,
            },
        ),
    )


def _unsigned(claims: dict[str, Any]) -> str:
    header = b64url_encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{b64url_encode(json.dumps(claims).encode())}."


def _hmac_with_public_key(provider: Provider, claims: dict[str, Any]) -> str:
    """HS256 keyed with the client's public key PEM: the classic algorithm confusion."""
    public = provider.key(provider.clients.organisation).public_key()
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = (
        b64url_encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        + "."
        + b64url_encode(json.dumps(claims).encode())
    )
    signature = hmac.new(pem, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{b64url_encode(signature)}"


def _claims(provider: Provider, client_id: str) -> dict[str, Any]:
    now = provider.now()
    return {
        "iss": client_id,
        "sub": client_id,
        "aud": provider.audience,
        "iat": now,
        "exp": now + 60,
        "jti": secrets.token_urlsafe(24),
    }


def provider_secret(provider: Provider, value: str) -> str:
    provider.secret(value)
    return value


def tamper_signature(assertion: str, position: int) -> str:
    """Change one character of the signature so that its decoded bytes change.

    Adding 32 to a base64url digit flips its top bit, which always lands in a decoded byte
    (the last digit may carry only padding bits, so it is never chosen).
    """
    head, payload, signature = assertion.split(".")
    index = position % (len(signature) - 1)
    replacement = BASE64URL[(BASE64URL.index(signature[index]) + 32) % 64]
    return f"{head}.{payload}.{signature[:index]}{replacement}{signature[index + 1 :]}"


def tamper_payload(assertion: str, provider: Provider) -> str:
    head, _, signature = assertion.split(".")
    claims = _claims(provider, provider.clients.organisation.client_id)
    claims["exp"] += 1
    return f"{head}.{b64url_encode(json.dumps(claims).encode())}.{signature}"


@identity_check("bb:identity:client-assertion-signature")
def client_assertion_signature(provider: Provider) -> None:
    _accepted_control(provider)
    organisation, other = provider.clients.organisation, provider.clients.second_organisation
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    own_id = organisation.client_id
    cases: list[tuple[str, Callable[[], str]]] = [
        ("an assertion signed by a key nobody registered", lambda: provider.assertion(
            organisation, key=stranger)),
        (f"an assertion for {own_id} signed with {other.client_id}'s key", lambda: (
            provider.assertion(organisation, key=provider.key(other)))),
        (f"an assertion with iss {other.client_id} and sub {own_id}", lambda: (
            provider.assertion(organisation, claims={"iss": other.client_id}))),
        (f"an assertion with iss {own_id} and sub {other.client_id}", lambda: (
            provider.assertion(organisation, claims={"sub": other.client_id}))),
        ("an unsigned assertion (alg none)", lambda: _unsigned(_claims(provider, own_id))),
        ("an assertion HMAC-signed with the client's public key", lambda: (
            _hmac_with_public_key(provider, _claims(provider, own_id)))),
        ("an assertion with a tampered signature", lambda: tamper_signature(
            provider.assertion(organisation), 0)),
        ("an assertion whose payload was changed after signing", lambda: tamper_payload(
            provider.assertion(organisation), provider)),
    ]  # fmt: skip
    for case, build in cases:
        judge(
            provider,
            case,
            "Client assertion not verified",
            _with_assertion(provider, provider_secret(provider, build())),
        )

    variants = st.one_of(
        st.tuples(st.just("signature"), st.integers(min_value=0, max_value=10_000)),
        st.tuples(st.sampled_from(("iss", "sub")), CLIENT_ID_TEXT),
    )

    def scenario(variant: tuple[str, Any]) -> None:
        kind, value = variant
        if kind == "signature":
            assertion = tamper_signature(provider.assertion(organisation), value)
            case = f"an assertion whose signature was changed at position {value}"
        elif value == own_id:
            return  # that is the correct assertion
        else:
            assertion = provider.assertion(organisation, claims={kind: value})
            case = f"an assertion with {kind} {value!r}"
        expect_invalid_client(
            provider, _with_assertion(provider, assertion), case, "Client assertion not verified"
        )

    explore(provider.session, variants, scenario)


FOREIGN_AUDIENCES = st.builds(
    lambda host, path: f"https://{host}.example/{path}",
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=20),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz/", max_size=20),
)


@identity_check("bb:identity:client-assertion-audience")
def client_assertion_audience(provider: Provider) -> None:
    _accepted_control(provider)
    organisation = provider.clients.organisation
    foreign: list[str | list[str]] = [
        "https://another-authorization-server.example/oidc/token",
        "urn:nld:gdi:messaging",
        ["https://another-authorization-server.example", "urn:nld:gdi:registries"],
    ]
    for audience in foreign:
        judge(
            provider,
            f"an assertion with aud {audience!r}",
            "Client assertion for another audience accepted",
            _with_assertion(provider, provider.assertion(organisation, audience=audience)),
        )

    def scenario(audience: str) -> None:
        assertion = provider.assertion(organisation, audience=audience)
        expect_invalid_client(
            provider,
            _with_assertion(provider, assertion),
            f"an assertion with aud {audience!r}",
            "Client assertion for another audience accepted",
        )

    explore(provider.session, FOREIGN_AUDIENCES, scenario)


@identity_check("bb:identity:client-assertion-expiry")
def client_assertion_expiry(provider: Provider) -> None:
    _accepted_control(provider)
    organisation = provider.clients.organisation

    def expired(seconds_ago: int) -> Reply:
        # Issued a minute before it expired, so only exp makes it unacceptable.
        now = provider.now() - seconds_ago - 60
        return _with_assertion(provider, provider.assertion(organisation, now=now, lifetime=60))

    # Ten minutes is far beyond any clock-skew leeway a provider may allow.
    judge(
        provider,
        "an assertion that expired 10 minutes ago",
        "Expired client assertion accepted",
        expired(600),
    )

    def scenario(seconds_ago: int) -> None:
        expect_invalid_client(
            provider,
            expired(seconds_ago),
            f"an assertion that expired {seconds_ago} seconds ago",
            "Expired client assertion accepted",
        )

    explore(provider.session, st.integers(min_value=600, max_value=30 * 86400), scenario)


@identity_check("bb:identity:client-assertion-replay")
def client_assertion_replay(provider: Provider) -> None:
    organisation = provider.clients.organisation
    jti = secrets.token_urlsafe(24)
    assertion = provider.assertion(organisation, claims={"jti": jti})
    provider.require_tokens(_with_assertion(provider, assertion), "a token (first use)")
    judge(
        provider,
        "the same client assertion sent a second time",
        "Replayed client assertion accepted",
        _with_assertion(provider, assertion),
    )
    judge(
        provider,
        "a new assertion that repeats an accepted assertion's jti",
        "Replayed client assertion accepted",
        _with_assertion(provider, provider.assertion(organisation, claims={"jti": jti})),
    )
