"""The client layer's JOSE helpers: base64url without padding, JWTs read unverified."""

from __future__ import annotations

import jwt
import pytest

from conformance.client.jose import (
    b64url_decode,
    b64url_encode,
    bearer_token,
    unverified_claims,
    unverified_parts,
)


@pytest.mark.parametrize("data", [b"", b"f", b"fo", b"foo", bytes(range(256))])
def test_base64url_round_trips_without_padding(data: bytes) -> None:
    text = b64url_encode(data)
    assert "=" not in text and "+" not in text and "/" not in text
    assert b64url_decode(text) == data


def test_a_jwt_is_read_without_its_key_and_without_judging_its_claims() -> None:
    # Expired, for another audience, signed with a key the reader does not have.
    token = jwt.encode(
        {"exp": 1, "aud": "elsewhere"}, "k" * 32, algorithm="HS256", headers={"kid": "a"}
    )
    assert unverified_parts(token) == (
        {"alg": "HS256", "typ": "JWT", "kid": "a"},
        {"exp": 1, "aud": "elsewhere"},
    )
    assert unverified_claims(token) == {"exp": 1, "aud": "elsewhere"}


@pytest.mark.parametrize(
    "token",
    [
        "opaque-handle",
        "a.b.c",
        b64url_encode(b'{"alg":"none"}') + "." + b64url_encode(b"[1, 2]") + ".",
    ],
)
def test_what_is_not_a_jwt_reads_as_none(token: str) -> None:
    assert unverified_parts(token) is None
    assert unverified_claims(token) is None


def test_an_unsigned_jwt_is_still_read() -> None:
    token = b64url_encode(b'{"alg":"none"}') + "." + b64url_encode(b'{"sub":"x"}') + "."
    assert unverified_parts(token) == ({"alg": "none"}, {"sub": "x"})


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Authorization": "Bearer abc "}, "abc"),
        ({"authorization": "bearer abc"}, "abc"),
        ({"Authorization": "Basic abc"}, None),
        ({"Authorization": "Bearer "}, None),
        ({}, None),
    ],
)
def test_only_a_bearer_credential_is_a_bearer_token(
    headers: dict[str, str], expected: str | None
) -> None:
    assert bearer_token(headers) == expected
