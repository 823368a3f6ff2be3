"""The provider's own secrets: the token signing key and the pairwise-subject secret.

Both are generated on first start and kept in the block's data directory (readable by the
owner only), so tokens stay verifiable and pseudonyms stable across restarts. Only the public
half of the signing key ever leaves the process, through the JWKS.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

SIGNING_ALGORITHM = "RS256"
_KEY_FILE = "signing-key.pem"
_PAIRWISE_FILE = "pairwise-secret"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey
    public_jwk: dict[str, Any]  # kty, n, e, kid, use, alg: nothing private

    @classmethod
    def from_private_key(cls, key: rsa.RSAPrivateKey) -> SigningKey:
        jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
        public = {"kty": "RSA", "n": jwk["n"], "e": jwk["e"]}
        # RFC 7638 thumbprint: a kid that changes exactly when the key does.
        canonical = json.dumps(
            {"e": public["e"], "kty": "RSA", "n": public["n"]}, separators=(",", ":")
        )
        kid = b64url(hashlib.sha256(canonical.encode()).digest())
        public.update({"kid": kid, "use": "sig", "alg": SIGNING_ALGORITHM})
        return cls(kid=kid, private_key=key, public_jwk=public)


def _create_exclusive(path: Path, data: bytes) -> bool:
    """Write ``data`` to a new owner-only file; False when the file exists already.

    Written under a temporary name and linked into place, so a reader (or a second process
    starting at the same moment) never sees a half-written key.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def load_or_create_signing_key(data_dir: Path) -> SigningKey:
    path = data_dir / _KEY_FILE
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _create_exclusive(path, pem)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise ValueError(f"{path.name} in the data directory is not an RSA private key")
    return SigningKey.from_private_key(loaded)


def load_or_create_pairwise_secret(data_dir: Path) -> bytes:
    path = data_dir / _PAIRWISE_FILE
    if not path.exists():
        _create_exclusive(path, secrets.token_bytes(32))
    secret = path.read_bytes()
    if len(secret) < 32:
        raise ValueError(f"{path.name} in the data directory is shorter than 32 bytes")
    return secret


def pairwise_subject(secret: bytes, sector: str, bsn: str) -> str:
    """A stable pseudonym of a citizen per sector (OIDC Core 8.1); never reveals the BSN."""
    message = sector.encode() + b"\x00" + bsn.encode()
    return b64url(hmac.new(secret, message, hashlib.sha256).digest())
