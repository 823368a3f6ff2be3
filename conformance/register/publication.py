"""Publishing a certificate and its report: verified, then stored once.

The certificate is checked byte for byte against the trusted key it names; the report must be
the very report the certificate vouches for (its digest is in the signed payload). Anything
refused leaves the database as it was: every write happens in one transaction, after every
check. The same certificate published twice is one entry (its SHA-256 is unique).
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema
import jsonschema_rs
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from conformance.register import clock
from conformance.register.access import ADMIN, VENDOR_KEY, Caller, parse_public_key, vendor_row
from conformance.register.errors import Refused
from conformance.register.names import NameRefused, is_slug, slug_of
from conformance.register.schema import (
    cells,
    products,
    requirements,
    run_requirements,
    runs,
    signing_keys,
)
from conformance.reports.certificate import CertificateInvalid, report_digest, verify_certificate
from conformance.results import RunReport
from conformance.results.io import report_schema

SELF_ASSESSED = "self-assessed"
AUTHORITY = "authority"
VERDICTS = ("certified", "certified-with-remarks", "not-certified", "incomplete")
HISTORY = 12  # runs in an overview cell's history line
_VERSION = re.compile(r"^\d{1,6}\.\d{1,6}\.\d{1,6}(?:[-+][0-9A-Za-z.+-]{1,40})?$")


@dataclass(frozen=True, slots=True)
class Published:
    certificate_sha256: str
    created: bool


@cache
def _fast_validator() -> Any:
    return jsonschema_rs.validator_for(report_schema())


@cache
def _report_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(report_schema())


# A certificate the register cannot verify against a key it trusts is refused with 403: the
# request is well-formed (no schema can say which text is signed by a trusted key), the
# register declines to vouch for it (RFC 9110, 15.5.4).
def _claimed_fingerprint(certificate: bytes) -> str:
    try:
        document = json.loads(certificate)
        claimed = document["signature"]["key_fingerprint"]
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise Refused(
            403, "Not a certificate", "the certificate is not a signed gdi-conformance certificate"
        ) from None
    if not isinstance(claimed, str) or len(claimed) > 80:
        raise Refused(403, "Not a certificate", "the certificate names no key fingerprint")
    return claimed


def _text(value: Any, what: str, limit: int = 100) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise Refused(400, "Invalid certificate content", f"{what} is missing or too long")
    if any(ord(char) < 32 for char in value):
        raise Refused(400, "Invalid certificate content", f"{what} contains control characters")
    return value


def _verified_payload(connection: Connection, certificate: bytes) -> tuple[dict[str, Any], Any]:
    claimed = _claimed_fingerprint(certificate)
    key = connection.execute(
        select(signing_keys).where(signing_keys.c.fingerprint == claimed)
    ).first()
    if key is None or key.revoked_at is not None:
        state = "no longer trusts (revoked)" if key is not None else "does not trust"
        raise Refused(
            403,
            "Untrusted signing key",
            f"the certificate is signed by the key {claimed}, which this register {state}; "
            "nothing was stored",
        )
    try:
        verified = verify_certificate(certificate, parse_public_key(key.public_pem))
    except CertificateInvalid as exc:
        raise Refused(403, "Certificate does not verify", f"{exc}; nothing was stored") from None
    return verified.payload, key


def _check_report(report: Any, payload: dict[str, Any]) -> RunReport:
    if not isinstance(report, dict):
        raise Refused(400, "Invalid report", "report must be the JSON object of report.json")
    # The Rust validator decides quickly; the Python one finds the clearest message to give.
    valid = _fast_validator().is_valid(report)
    error = (
        None if valid else jsonschema.exceptions.best_match(_report_validator().iter_errors(report))
    )
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(top)"
        raise Refused(400, "Invalid report", f"report.json at {where}: {error.message[:300]}")
    parsed = RunReport.from_dict(report)
    if report_digest(parsed) != (payload.get("run") or {}).get("report_sha256"):
        raise Refused(
            400,
            "Report does not match",
            "report.json is not the report this certificate was issued for (its SHA-256 differs "
            "from run.report_sha256 in the certificate); nothing was stored",
        )
    return parsed


def publish(engine: Engine, certificate: bytes, report: Any, caller: Caller) -> Published:
    """Verify and store; raises ``Refused`` (nothing stored) when any check fails."""
    digest = hashlib.sha256(certificate).hexdigest()
    for attempt in range(2):
        try:
            with engine.begin() as connection:
                return _publish(connection, certificate, digest, report, caller)
        except IntegrityError:
            # Another instance stored the same certificate, vendor or product at the same
            # moment: the next attempt finds them.
            if attempt:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True, slots=True)
class _Claims:
    """What a verified certificate says about the run, checked for the register's limits."""

    vendor_name: str
    product_name: str
    product_slug: str
    product_version: str
    block: str
    profile_version: str
    verdict: str
    score: int
    issued_at: str


def _product_claims(payload: dict[str, Any], caller: Caller) -> tuple[str, str, str, str]:
    """The vendor, product name, product slug and version; refused unless the caller's own."""
    product = payload.get("product")
    if not isinstance(product, dict):
        raise Refused(
            400,
            "No product",
            "the certificate names no product (give --vendor, "
            "--product and --product-version when certifying)",
        )
    vendor_name = _text(product.get("vendor"), "product.vendor")
    product_name = _text(product.get("name"), "product.name")
    product_version = _text(product.get("version"), "product.version")
    try:
        vendor_slug = slug_of(vendor_name, "vendor")
        product_slug = slug_of(product_name, "product")
    except NameRefused as exc:
        raise Refused(400, "Invalid name", f"{exc}; nothing was stored") from None
    if caller.role != ADMIN and caller.vendor_slug != vendor_slug:
        raise Refused(
            403,
            "Not your product",
            f"this token publishes only the products of {caller.vendor_name!r}; the certificate "
            f"is for {vendor_name!r}",
        )
    return vendor_name, product_name, product_slug, product_version


def _claims(payload: dict[str, Any], caller: Caller) -> _Claims:
    vendor_name, product_name, product_slug, product_version = _product_claims(payload, caller)
    block = payload.get("block") or {}
    block_name = _text(block.get("name"), "block.name", 64)
    profile_version = _text(block.get("profile_version"), "block.profile_version", 64)
    if not is_slug(block_name) or not _VERSION.match(profile_version):
        raise Refused(400, "Invalid block", "block.name or block.profile_version is malformed")
    verdict, score = payload.get("verdict"), payload.get("score")
    if verdict not in VERDICTS or not isinstance(score, int) or not 0 <= score <= 100:
        raise Refused(400, "Invalid verdict", "the certificate's verdict or score is malformed")
    issued_at = clock.iso(clock.parse(_text(payload.get("issued_at"), "issued_at", 40)))
    return _Claims(
        vendor_name=vendor_name,
        product_name=product_name,
        product_slug=product_slug,
        product_version=product_version,
        block=block_name,
        profile_version=profile_version,
        verdict=verdict,
        score=score,
        issued_at=issued_at,
    )


def _publish(
    connection: Connection, certificate: bytes, digest: str, report: Any, caller: Caller
) -> Published:
    payload, key = _verified_payload(connection, certificate)
    claims = _claims(payload, caller)
    parsed = _check_report(report, payload)
    existing = connection.execute(
        select(runs.c.id).where(runs.c.certificate_sha256 == digest)
    ).first()
    if existing is not None:
        return Published(digest, created=False)
    vendor = vendor_row(connection, claims.vendor_name, create=True)
    if key.kind == VENDOR_KEY and key.vendor_id != vendor.id:
        raise Refused(
            403,
            "Not the vendor's key",
            "the certificate is signed with another vendor's own key; nothing was stored",
        )
    product_id = _product_id(connection, vendor.id, claims.product_slug, claims.product_name)
    run_id = connection.execute(
        insert(runs)
        .values(
            certificate_sha256=digest,
            product_id=product_id,
            product_version=claims.product_version,
            block=claims.block,
            profile_version=claims.profile_version,
            verdict=claims.verdict,
            score=claims.score,
            issued_at=claims.issued_at,
            run_uuid=str(parsed.run_id)[:64],
            key_id=key.id,
            assessment=SELF_ASSESSED if key.kind == VENDOR_KEY else AUTHORITY,
            published_at=clock.now(),
            certificate=certificate,
            report=zlib.compress(json.dumps(report, ensure_ascii=False).encode("utf-8"), 6),
        )
        .returning(runs.c.id)
    ).scalar_one()
    _store_outcomes(connection, run_id, payload)
    _remember_requirements(connection, parsed, claims.block, claims.issued_at)
    _update_cell(connection, product_id, claims.block, claims.profile_version)
    return Published(digest, created=True)


def _store_outcomes(connection: Connection, run_id: int, payload: dict[str, Any]) -> None:
    """One row per requirement outcome the certificate lists (the last of a repeated id)."""
    outcomes = {
        item["id"]: item
        for item in payload.get("requirements") or []
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    }
    if outcomes:
        connection.execute(
            insert(run_requirements),
            [
                {
                    "run_id": run_id,
                    "requirement_id": ident[:32],
                    "level": str(item.get("level"))[:8],
                    "outcome": str(item.get("outcome"))[:32],
                }
                for ident, item in outcomes.items()
            ],
        )


def _update_cell(connection: Connection, product_id: int, block: str, profile_version: str) -> None:
    """Point the overview's cell at its newest run and refresh its history line."""
    where = (
        cells.c.product_id == product_id,
        cells.c.block == block,
        cells.c.profile_version == profile_version,
    )
    # FOR UPDATE (PostgreSQL; SQLite writes one at a time anyway): two instances publishing
    # into one cell take turns, so the second sees the first's run.
    cell = connection.execute(select(cells.c.id).where(*where).with_for_update()).first()
    recent = connection.execute(
        select(runs.c.id, runs.c.score, runs.c.verdict)
        .where(
            runs.c.product_id == product_id,
            runs.c.block == block,
            runs.c.profile_version == profile_version,
        )
        .order_by(runs.c.issued_at.desc(), runs.c.id.desc())
        .limit(HISTORY)
    ).all()
    values = {
        "latest_run_id": recent[0].id,
        "history": json.dumps([[row.score, row.verdict] for row in reversed(recent)]),
    }
    if cell is None:
        connection.execute(
            insert(cells).values(
                product_id=product_id, block=block, profile_version=profile_version, **values
            )
        )
    else:
        connection.execute(update(cells).where(cells.c.id == cell.id).values(**values))


def _product_id(connection: Connection, vendor_id: int, slug: str, name: str) -> int:
    row = connection.execute(
        select(products).where(products.c.vendor_id == vendor_id, products.c.slug == slug)
    ).first()
    if row is None:
        return int(
            connection.execute(
                insert(products)
                .values(vendor_id=vendor_id, slug=slug, name=name)
                .returning(products.c.id)
            ).scalar_one()
        )
    if row.name != name:
        raise Refused(
            409,
            "Product name taken",
            f"the address '{slug}' belongs to the product {row.name!r}, not to {name!r}; "
            "nothing was stored",
        )
    return int(row.id)


def _remember_requirements(
    connection: Connection, report: RunReport, block: str, issued_at: str
) -> None:
    """Keep each requirement's statement as the newest report words it."""
    known = {
        row.id: row.issued_at
        for row in connection.execute(
            select(requirements.c.id, requirements.c.issued_at).where(
                requirements.c.id.in_([item.id for item in report.requirements])
            )
        )
    }
    for item in report.requirements:
        values = {
            "block": block,
            "level": item.level.value,
            "statement": item.statement,
            "adr": json.dumps(list(item.adr)),
            "issued_at": issued_at,
        }
        if item.id not in known:
            connection.execute(insert(requirements).values(id=item.id, **values))
        elif known[item.id] <= issued_at:
            connection.execute(
                update(requirements).where(requirements.c.id == item.id).values(**values)
            )
