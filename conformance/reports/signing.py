"""Ed25519 keys for certificates: generate, store, load, fingerprint.

Keys are PEM files: the private key as unencrypted PKCS#8 (written with mode 0600, so only its
owner can read it), the public key as SubjectPublicKeyInfo. A key's fingerprint is
``SHA256:`` followed by the hex SHA-256 of its 32 raw public-key bytes; a certificate names
the fingerprint of the key that signed it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PRIVATE_KEY_FILE = "signing-key.pem"
PUBLIC_KEY_FILE = "signing-key.pub.pem"


class SigningKeyError(Exception):
    """A key file cannot be used; the message says which file and why."""


@dataclass(frozen=True, slots=True)
class KeyPair:
    private_path: Path
    public_path: Path
    fingerprint: str


def fingerprint(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "SHA256:" + hashlib.sha256(raw).hexdigest()


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _write_private(path: Path, key: Ed25519PrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # O_EXCL: never overwrite a key; the mode is set at creation, so the key is never readable
    # by others, not even for a moment.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(pem)
    os.chmod(path, 0o600)  # the umask may have taken bits away, never added: make it exact


def generate_keypair(directory: Path) -> KeyPair:
    """Write a new key pair into ``directory``; refuses to replace existing key files."""
    directory.mkdir(parents=True, exist_ok=True)
    private_path = directory / PRIVATE_KEY_FILE
    public_path = directory / PUBLIC_KEY_FILE
    for path in (private_path, public_path):
        if path.exists():
            raise SigningKeyError(
                f"{path} already exists; not overwriting a key (choose another --out)"
            )
    key = Ed25519PrivateKey.generate()
    _write_private(private_path, key)
    public_path.write_bytes(public_pem(key.public_key()))
    return KeyPair(private_path, public_path, fingerprint(key.public_key()))


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"{path}: cannot read the {what} ({exc.strerror})") from exc


def load_private_key(path: Path) -> Ed25519PrivateKey:
    data = _read(path, "signing key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise SigningKeyError(
            f"{path}: not an unencrypted PEM private key (make one with 'gdi-conformance keygen')"
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path}: the signing key must be an Ed25519 key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    data = _read(path, "public key")
    if b"PRIVATE KEY" in data:
        raise SigningKeyError(
            f"{path}: this is a private key; give the public key (.pub.pem) instead"
        )
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise SigningKeyError(f"{path}: not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{path}: the public key must be an Ed25519 key")
    return key
