"""Ed25519 keys for certificates: generate, store, load, fingerprint.

Keys are PEM files: the private key as unencrypted PKCS#8 (written with mode 0600, so only its
owner can read it), the public key as SubjectPublicKeyInfo. A key's fingerprint is
``SHA256:`` followed by the hex SHA-256 of its 32 raw public-key bytes; a certificate names
the fingerprint of the key that signed it.

A certificate is only worth something if its issuer's key stays the same: ``persistent_key``
makes the key once (in the user's data directory, or where ``GDI_CONFORMANCE_SIGNING_KEY``
says) and every later run reuses it, so certificates of several runs verify with one key.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PRIVATE_KEY_FILE = "signing-key.pem"
PUBLIC_KEY_FILE = "signing-key.pub.pem"
KEY_ENVIRONMENT = "GDI_CONFORMANCE_SIGNING_KEY"


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


def public_path_for(private_path: Path) -> Path:
    """Where the public key of ``private_path`` lies: ``name.pem`` -> ``name.pub.pem``."""
    name = private_path.name
    stem = name[: -len(".pem")] if name.endswith(".pem") else name
    return private_path.with_name(stem + ".pub.pem")


def default_key_path() -> Path:
    """The persistent signing key: ``$GDI_CONFORMANCE_SIGNING_KEY``, else
    ``$XDG_DATA_HOME/gdi-conformance/signing-key.pem`` (``~/.local/share`` without it)."""
    given = os.environ.get(KEY_ENVIRONMENT, "").strip()
    if given:
        return Path(given).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME", "").strip()
    base = Path(data_home) if data_home else Path.home() / ".local" / "share"
    return base / "gdi-conformance" / PRIVATE_KEY_FILE


def _create_private(path: Path, key: Ed25519PrivateKey) -> bool:
    """Put ``key`` at ``path`` unless a key is there already; True when it was put there.

    Written to a temporary file and linked into place: the link fails if ``path`` exists, so
    of two runs starting at once exactly one key wins and nobody reads a half-written file.
    """
    # Per process and thread: two threads of one process may ask for the key at once too.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.new")
    temporary.unlink(missing_ok=True)
    _write_private(temporary, key)
    try:
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        temporary.unlink(missing_ok=True)
    return True


@dataclass(frozen=True, slots=True)
class PersistentKey:
    key: Ed25519PrivateKey
    path: Path
    created: bool  # made by this call (the first run); False: an existing key reused


def persistent_key(path: Path | None = None) -> PersistentKey:
    """The signing key at ``path`` (default: ``default_key_path()``), made there first if there
    is none. An existing key is never replaced; one that cannot be read is an error."""
    path = path or default_key_path()
    created = False
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            created = _create_private(path, Ed25519PrivateKey.generate())
        except OSError as exc:
            raise SigningKeyError(
                f"{path}: cannot create the signing key ({exc.strerror}); "
                f"set {KEY_ENVIRONMENT} to a writable place or give --signing-key"
            ) from exc
    key = load_private_key(path)
    public = public_path_for(path)
    if not public.exists():
        # A convenience beside the key (it can always be derived again): failing to write it
        # is no reason to stop.
        with contextlib.suppress(OSError):
            public.write_bytes(public_pem(key.public_key()))
    return PersistentKey(key, path, created)


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


_PEM_BLOCK = re.compile(rb"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)


def load_trusted_keys(path: Path) -> list[Ed25519PublicKey]:
    """The public keys in a trusted-keys file: PEM public keys one after another; lines
    outside them (comments, names) are ignored. A private key in it is refused."""
    data = _read(path, "trusted-keys file")
    if b"PRIVATE KEY" in data:
        raise SigningKeyError(f"{path}: holds a private key; a trusted-keys file holds public keys")
    keys = []
    for number, block in enumerate(_PEM_BLOCK.findall(data), start=1):
        try:
            key = serialization.load_pem_public_key(block)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise SigningKeyError(f"{path}: public key {number} is not a valid PEM key") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise SigningKeyError(f"{path}: public key {number} is not an Ed25519 key")
        keys.append(key)
    if not keys:
        raise SigningKeyError(f"{path}: no PEM public key (-----BEGIN PUBLIC KEY-----) in it")
    return keys
