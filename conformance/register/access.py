"""Tokens and trusted keys: who may publish, whose signatures count.

Anyone may read. A vendor token publishes only that vendor's products; the admin token manages
trusted keys and vendor tokens (and may publish for any vendor). Only the SHA-256 of a token is
stored; a token is shown once, when it is made.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Engine, insert, select, update

from conformance.register import clock
from conformance.register.errors import Refused
from conformance.register.names import NameRefused, slug_of
from conformance.register.schema import signing_keys, tokens, vendors
from conformance.reports.signing import fingerprint

ADMIN = "admin"
VENDOR = "vendor"
AUTHORITY_KEY = "authority"
VENDOR_KEY = "vendor"
TOKEN_PREFIX = "gdir_"


@dataclass(frozen=True, slots=True)
class Caller:
    role: str
    vendor_id: int | None = None
    vendor_slug: str | None = None
    vendor_name: str | None = None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def authenticate(connection: Connection, token: str) -> Caller | None:
    """The caller a bearer token stands for, or ``None`` for an unknown token."""
    if not token or len(token) > 200:
        return None
    row = connection.execute(
        select(tokens.c.role, tokens.c.vendor_id, vendors.c.slug, vendors.c.name)
        .select_from(tokens.outerjoin(vendors, tokens.c.vendor_id == vendors.c.id))
        .where(tokens.c.token_sha256 == token_hash(token))
    ).first()
    if row is None:
        return None
    return Caller(
        role=row.role, vendor_id=row.vendor_id, vendor_slug=row.slug, vendor_name=row.name
    )


def ensure_admin_token(engine: Engine, token: str) -> None:
    """Make ``token`` an admin token (the bootstrap from the command line); idempotent."""
    if len(token) < 20:
        raise ValueError("the admin token must be at least 20 characters long")
    with engine.begin() as connection:
        if authenticate(connection, token) is None:
            connection.execute(
                insert(tokens).values(
                    token_sha256=token_hash(token),
                    role=ADMIN,
                    vendor_id=None,
                    label="admin (bootstrap)",
                    created_at=clock.now(),
                )
            )


def vendor_row(connection: Connection, name: str, *, create: bool) -> Any:
    """The vendor named ``name`` (made when ``create``); refuses a name whose address another
    vendor already has, so no vendor can take over another's pages."""
    try:
        slug = slug_of(name, "vendor")
    except NameRefused as exc:
        raise Refused(400, "Invalid vendor name", str(exc)) from None
    row = connection.execute(select(vendors).where(vendors.c.slug == slug)).first()
    if row is not None:
        if row.name != name:
            raise Refused(
                409,
                "Vendor name taken",
                f"the address '{slug}' belongs to the vendor {row.name!r}, not to {name!r}",
            )
        return row
    if not create:
        raise Refused(404, "Unknown vendor", f"the register knows no vendor {name!r}")
    connection.execute(insert(vendors).values(slug=slug, name=name))
    return connection.execute(select(vendors).where(vendors.c.slug == slug)).one()


def create_vendor_token(connection: Connection, vendor: str, label: str) -> str:
    row = vendor_row(connection, vendor, create=True)
    token = new_token()
    connection.execute(
        insert(tokens).values(
            token_sha256=token_hash(token),
            role=VENDOR,
            vendor_id=row.id,
            label=label[:200] or f"vendor {vendor}",
            created_at=clock.now(),
        )
    )
    return token


def parse_public_key(pem: str) -> Ed25519PublicKey:
    if "PRIVATE KEY" in pem:
        raise Refused(
            400, "Private key sent", "send the public key (.pub.pem), never the private one"
        )
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii", "strict"))
    except (ValueError, TypeError, UnicodeEncodeError, UnsupportedAlgorithm):
        raise Refused(400, "Invalid public key", "publicKey is not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise Refused(400, "Invalid public key", "publicKey must be an Ed25519 key")
    return key


def add_key(
    connection: Connection, pem: str, *, label: str, kind: str, vendor: str | None
) -> dict[str, Any]:
    """Trust a key: an authority's, or a vendor's own (its certificates are self-assessed)."""
    key = parse_public_key(pem)
    if kind not in (AUTHORITY_KEY, VENDOR_KEY):
        raise Refused(400, "Invalid key kind", "kind is 'authority' or 'vendor'")
    if (kind == VENDOR_KEY) != bool(vendor):
        raise Refused(400, "Invalid key", "a vendor key names its vendor; an authority key none")
    vendor_id = vendor_row(connection, vendor, create=True).id if vendor else None
    print_ = fingerprint(key)
    row = connection.execute(
        select(signing_keys).where(signing_keys.c.fingerprint == print_)
    ).first()
    if row is not None:
        if row.kind != kind or row.vendor_id != vendor_id:
            raise Refused(409, "Key already registered", f"{print_} is registered as another kind")
        if row.revoked_at is not None:
            raise Refused(409, "Key revoked", f"{print_} was revoked and is not trusted again")
    else:
        canonical_pem = key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")
        connection.execute(
            insert(signing_keys).values(
                fingerprint=print_,
                public_pem=canonical_pem,
                label=label[:200],
                kind=kind,
                vendor_id=vendor_id,
                added_at=clock.now(),
            )
        )
    return next(item for item in list_keys(connection) if item["fingerprint"] == print_)


def revoke_key(connection: Connection, key_fingerprint: str) -> bool:
    done = connection.execute(
        update(signing_keys)
        .where(signing_keys.c.fingerprint == key_fingerprint, signing_keys.c.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    return bool(done.rowcount)


def list_keys(connection: Connection) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(signing_keys, vendors.c.name.label("vendor_name"))
        .select_from(signing_keys.outerjoin(vendors, signing_keys.c.vendor_id == vendors.c.id))
        .order_by(signing_keys.c.id)
    ).all()
    return [key_view(row) for row in rows]


def key_view(row: Any) -> dict[str, Any]:
    return {
        "fingerprint": row.fingerprint,
        "label": row.label,
        "kind": row.kind,
        "vendor": row.vendor_name,
        "addedAt": row.added_at,
        "revokedAt": row.revoked_at,
        "publicKey": row.public_pem,
    }
