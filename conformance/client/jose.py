"""JOSE helpers the harness shares: base64url without padding (RFC 7515 section 2), reading a
JWT without verifying it (PyJWT), the bearer token of a request's headers.

Reading unverified is only for what the harness inspects about tokens it holds (expiry,
audience, claims to forge from); no verdict rests on a claim read here being genuine.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import jwt


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Raises ``binascii.Error`` (a ``ValueError``) when ``text`` is not base64url."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def unverified_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(header, claims) of a JWS compact token, unverified; None when it is not one."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return header, claims


def unverified_claims(token: str) -> dict[str, Any] | None:
    """The claims of a JWT, unverified; None when ``token`` is not a JWT (an opaque handle)."""
    parts = unverified_parts(token)
    return parts[1] if parts is not None else None


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of a Bearer ``Authorization`` header; None for any other scheme or none."""
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
