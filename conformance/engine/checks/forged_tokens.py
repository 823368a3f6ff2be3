"""Access tokens a resource server must refuse, made from the run's own token.

The harness cannot sign for the identity service, so every variant here is a token the
identity service did not issue: the run's token with a claim changed (its signature then no
longer matches), the same claims signed with a key of the harness's own, or left unsigned
(``alg: none``). A server that verifies signatures, ``exp`` and ``aud`` refuses each of them;
one that skips any of those steps accepts at least one. When the run's token is not a JWT,
plausible claims are made up instead.
"""

from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from conformance.client.jose import b64url_decode, b64url_encode, unverified_parts

FOREIGN_AUDIENCE = "urn:gdi-conformance:another-api"
FOREIGN_ISSUER = "https://issuer.gdi-conformance.invalid"


@dataclass(frozen=True, slots=True)
class ForgedToken:
    description: str  # what is wrong with it, e.g. "expired (exp an hour ago), original signature"
    token: str


@functools.cache
def harness_key() -> rsa.RSAPrivateKey:
    """A key of the harness's own, made once per process: no identity service knows it."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _claims_of(token: str | None, now: int) -> tuple[dict[str, Any], dict[str, Any]]:
    parsed = unverified_parts(token) if token else None
    if parsed is not None:
        return parsed
    return {"alg": "RS256", "typ": "JWT"}, {
        "iss": FOREIGN_ISSUER,
        "sub": "gdi-conformance-probe",
        "aud": FOREIGN_AUDIENCE,
        "iat": now,
        "exp": now + 600,
        "jti": "gdi-conformance-probe",
    }


def with_claims(token: str, changes: dict[str, Any]) -> str:
    """``token`` with its payload changed and its original header and signature kept."""
    header_part, payload_part, signature = token.split(".")
    claims = json.loads(b64url_decode(payload_part))
    claims.update(changes)
    payload = b64url_encode(json.dumps(claims, separators=(",", ":")).encode())
    return f"{header_part}.{payload}.{signature}"


def signed_by_harness(header: dict[str, Any], claims: dict[str, Any]) -> str:
    """The claims signed with the harness's key, under the original kid (so a server looks up
    its real key for it and finds the signature wrong)."""
    extra = {"kid": header["kid"]} if isinstance(header.get("kid"), str) else None
    return jwt.encode(claims, harness_key(), algorithm="RS256", headers=extra)


def unsigned(claims: dict[str, Any]) -> str:
    header = b64url_encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = b64url_encode(json.dumps(claims, separators=(",", ":")).encode())
    return f"{header}.{payload}."


def expired_tokens(token: str | None, now: int | None = None) -> list[ForgedToken]:
    """Tokens that are expired or not signed by the identity service."""
    now = int(time.time()) if now is None else now
    header, claims = _claims_of(token, now)
    past = {"exp": now - 3600, "iat": now - 7200, "nbf": now - 7200}
    variants = []
    if token is not None and unverified_parts(token) is not None:
        variants.append(
            ForgedToken("expired an hour ago, original signature", with_claims(token, past))
        )
    variants += [
        ForgedToken(
            "expired an hour ago, signed with a key the identity service does not hold",
            signed_by_harness(header, {**claims, **past}),
        ),
        ForgedToken(
            "valid lifetime, signed with a key the identity service does not hold",
            signed_by_harness(header, {**claims, "exp": now + 600, "iat": now}),
        ),
        ForgedToken(
            "valid lifetime, unsigned (alg none)",
            unsigned({**claims, "exp": now + 600, "iat": now}),
        ),
    ]
    return variants


def audience_tokens(token: str | None, now: int | None = None) -> list[ForgedToken]:
    """The run's token made out to another audience."""
    now = int(time.time()) if now is None else now
    header, claims = _claims_of(token, now)
    wrong = {"aud": FOREIGN_AUDIENCE}
    variants = []
    if token is not None and unverified_parts(token) is not None:
        variants.append(
            ForgedToken(f"aud {FOREIGN_AUDIENCE}, original signature", with_claims(token, wrong))
        )
    variants.append(
        ForgedToken(
            f"aud {FOREIGN_AUDIENCE}, signed with a key the identity service does not hold",
            signed_by_harness(header, {**claims, **wrong, "exp": now + 600, "iat": now}),
        )
    )
    return variants


MALFORMED: tuple[tuple[str, str], ...] = (
    ("a token that is not a JWT", "Bearer not-a-jwt"),
    ("a JWT cut short (no signature part)", "Bearer eyJhbGciOiJSUzI1NiJ9.e30"),
    ("a token whose parts are not base64url", "Bearer %%%.%%%.%%%"),
    ("the scheme alone, without a token", "Bearer"),
    ("another scheme (Basic)", "Basic Z2RpOmNvbmZvcm1hbmNl"),
)
