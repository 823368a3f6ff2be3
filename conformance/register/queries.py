"""What the pages and the JSON API show, read from the database as plain dictionaries.

The JSON API returns these dictionaries as they are (lowerCamelCase names, times in UTC with a
Z); the pages render them. Each certificate's standing is computed when read: ``expired`` after
the register's validity period, ``outdated`` once a newer profile version of its block is in the
register, else ``valid``.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote

from sqlalchemy import ColumnElement, Connection, Select, func, select

from conformance.register import clock
from conformance.register.access import key_view, parse_public_key
from conformance.register.errors import Refused
from conformance.register.schema import (
    cells,
    products,
    requirements,
    run_requirements,
    runs,
    signing_keys,
    vendors,
)
from conformance.reports.certificate import CertificateInvalid, verify_certificate

ADR_DOCUMENT = "https://logius-standaarden.github.io/API-Design-Rules/"
_RFC = re.compile(r"\bRFC ?(\d{3,5})\b")


@dataclass(frozen=True, slots=True)
class Policy:
    validity_days: int = 365


@cache  # a register holds a handful of profile versions, read for every row
def version_key(version: str) -> tuple[int, ...]:
    core = re.split(r"[-+]", version, maxsplit=1)[0]
    return tuple(int(part) for part in core.split(".") if part.isdigit())


def newest_profiles(connection: Connection) -> dict[str, str]:
    newest: dict[str, str] = {}
    for block, version in connection.execute(
        select(cells.c.block, cells.c.profile_version).distinct()
    ):
        if block not in newest or version_key(version) > version_key(newest[block]):
            newest[block] = version
    return newest


def _standing(row: Any, newest: dict[str, str], policy: Policy, now: str) -> tuple[str, str]:
    expires_at = clock.plus_days(row.issued_at, policy.validity_days)
    if expires_at <= now:
        return "expired", expires_at
    newer = newest.get(row.block)
    if newer and version_key(newer) > version_key(row.profile_version):
        return "outdated", expires_at
    return "valid", expires_at


def _entry(row: Any, newest: dict[str, str], policy: Policy, now: str) -> dict[str, Any]:
    standing, expires_at = _standing(row, newest, policy, now)
    entry = {
        "certificate": row.certificate_sha256,
        "block": row.block,
        "profileVersion": row.profile_version,
        "productVersion": row.product_version,
        "verdict": row.verdict,
        "score": row.score,
        "issuedAt": row.issued_at,
        "expiresAt": expires_at,
        "assessment": row.assessment,
        "standing": standing,
    }
    if standing == "outdated":
        entry["newerProfileVersion"] = newest[row.block]
    return entry


_RUN_COLUMNS = (
    runs.c.id,
    runs.c.product_id,
    runs.c.certificate_sha256,
    runs.c.block,
    runs.c.profile_version,
    runs.c.product_version,
    runs.c.verdict,
    runs.c.score,
    runs.c.issued_at,
    runs.c.assessment,
)


def _cells_query(
    connection: Connection, conditions: list[ColumnElement[bool]]
) -> tuple[Select[Any], int]:
    """The overview's cells with their latest run, product and vendor, in display order, and
    how many match ``conditions``."""
    joined = (
        cells.join(runs, cells.c.latest_run_id == runs.c.id)
        .join(products, cells.c.product_id == products.c.id)
        .join(vendors, products.c.vendor_id == vendors.c.id)
    )
    query = (
        select(
            *_RUN_COLUMNS,
            cells.c.history,
            products.c.slug.label("product_slug"),
            products.c.name.label("product_name"),
            vendors.c.slug.label("vendor_slug"),
            vendors.c.name.label("vendor_name"),
        )
        .select_from(joined)
        .where(*conditions)
        .order_by(vendors.c.name, products.c.name, cells.c.block, cells.c.profile_version.desc())
    )
    total = connection.execute(
        select(func.count()).select_from(joined).where(*conditions)
    ).scalar_one()
    return query, total


def overview(
    connection: Connection,
    policy: Policy,
    *,
    block: str | None = None,
    verdict: str | None = None,
    vendor: str | None = None,
    page: int | None = None,
    page_size: int = 100,
) -> dict[str, Any]:
    """One cell per product, block and profile version: the latest run and a short history.
    All cells, or with ``page`` (from 1) one page of ``page_size`` of them."""
    newest = newest_profiles(connection)
    now = clock.now()
    conditions = []
    if block:
        conditions.append(cells.c.block == block)
    if verdict:
        conditions.append(runs.c.verdict == verdict)
    if vendor:
        conditions.append(vendors.c.slug == vendor)
    query, total = _cells_query(connection, conditions)
    if page is not None:
        query = query.limit(page_size).offset((page - 1) * page_size)
    found = [
        {
            "vendor": {"slug": row.vendor_slug, "name": row.vendor_name},
            "product": {"slug": row.product_slug, "name": row.product_name},
            "latest": _entry(row, newest, policy, now),
            "history": [
                {"score": score, "verdict": verdict_} for score, verdict_ in json.loads(row.history)
            ],
        }
        for row in connection.execute(query)
    ]
    all_vendors = connection.execute(
        select(vendors.c.slug, vendors.c.name).order_by(vendors.c.name)
    )
    return {
        "cells": found,
        "totalCells": total,
        "blocks": sorted(newest),
        "newestProfileVersions": newest,
        "vendors": [{"slug": slug, "name": name} for slug, name in all_vendors],
        "filters": {"block": block, "verdict": verdict, "vendor": vendor},
    }


def _product_row(connection: Connection, vendor: str, product: str) -> Any:
    row = connection.execute(
        select(
            products.c.id,
            products.c.slug,
            products.c.name,
            vendors.c.slug.label("vendor_slug"),
            vendors.c.name.label("vendor_name"),
        )
        .join(vendors, products.c.vendor_id == vendors.c.id)
        .where(vendors.c.slug == vendor, products.c.slug == product)
    ).first()
    if row is None:
        raise Refused(404, "Not found", f"the register has no product {vendor}/{product}")
    return row


def product(connection: Connection, policy: Policy, vendor: str, name: str) -> dict[str, Any]:
    """Every run of a product, per block (and profile version), newest first."""
    row = _product_row(connection, vendor, name)
    newest = newest_profiles(connection)
    now = clock.now()
    blocks: dict[str, list[dict[str, Any]]] = {}
    for run in connection.execute(
        select(*_RUN_COLUMNS)
        .where(runs.c.product_id == row.id)
        .order_by(runs.c.block, runs.c.issued_at.desc(), runs.c.id.desc())
    ):
        blocks.setdefault(run.block, []).append(_entry(run, newest, policy, now))
    return {
        "vendor": {"slug": row.vendor_slug, "name": row.vendor_name},
        "product": {"slug": row.slug, "name": row.name},
        "blocks": [{"block": block, "runs": entries} for block, entries in blocks.items()],
    }


def _run_by_certificate(connection: Connection, certificate: str) -> Any:
    row = connection.execute(
        select(
            *_RUN_COLUMNS,
            runs.c.key_id,
            runs.c.run_uuid,
            runs.c.published_at,
            products.c.slug.label("product_slug"),
            products.c.name.label("product_name"),
            vendors.c.slug.label("vendor_slug"),
            vendors.c.name.label("vendor_name"),
        )
        .join(products, runs.c.product_id == products.c.id)
        .join(vendors, products.c.vendor_id == vendors.c.id)
        .where(runs.c.certificate_sha256 == certificate)
    ).first()
    if row is None:
        raise Refused(404, "Not found", f"the register has no certificate {certificate}")
    return row


def _outcomes(connection: Connection, run_id: int) -> dict[str, Any]:
    return {
        row.requirement_id: row
        for row in connection.execute(
            select(
                run_requirements.c.requirement_id,
                run_requirements.c.level,
                run_requirements.c.outcome,
                requirements.c.statement,
                requirements.c.adr,
            )
            .select_from(
                run_requirements.outerjoin(
                    requirements, run_requirements.c.requirement_id == requirements.c.id
                )
            )
            .where(run_requirements.c.run_id == run_id)
            .order_by(run_requirements.c.requirement_id)
        )
    }


def _rules(stored: str | None) -> list[str]:
    return list(json.loads(stored)) if stored else []


def diff(
    connection: Connection, policy: Policy, vendor: str, name: str, first: str, second: str
) -> dict[str, Any]:
    """What changed from run ``first`` to run ``second`` of one product."""
    product_row = _product_row(connection, vendor, name)
    newest = newest_profiles(connection)
    now = clock.now()
    rows = [_run_by_certificate(connection, sha) for sha in (first, second)]
    for row in rows:
        if row.product_id != product_row.id:
            raise Refused(
                404, "Not found", f"{row.certificate_sha256} is not a run of {vendor}/{name}"
            )
    before, after = (_outcomes(connection, row.id) for row in rows)
    changed = []
    for ident in sorted(set(before) | set(after)):
        old, new = before.get(ident), after.get(ident)
        if old is not None and new is not None and old.outcome == new.outcome:
            continue
        known = new if new is not None else old
        assert known is not None
        changed.append(
            {
                "requirement": ident,
                "level": known.level,
                "statement": known.statement,
                "adr": _rules(known.adr),
                "from": old.outcome if old is not None else None,
                "to": new.outcome if new is not None else None,
            }
        )
    return {
        "vendor": {"slug": product_row.vendor_slug, "name": product_row.vendor_name},
        "product": {"slug": product_row.slug, "name": product_row.name},
        "from": _entry(rows[0], newest, policy, now),
        "to": _entry(rows[1], newest, policy, now),
        "scoreChange": rows[1].score - rows[0].score,
        "changed": changed,
    }


def adr_link(rule: str) -> str:
    return ADR_DOCUMENT + "#" + quote(rule, safe="")


def sources(statement: str, adr: list[str]) -> list[dict[str, str]]:
    """The ADR rules and RFCs a requirement rests on, each with a link to its text."""
    found = [{"kind": "adr", "id": rule, "url": adr_link(rule)} for rule in adr]
    for number in dict.fromkeys(_RFC.findall(statement)):
        found.append(
            {
                "kind": "rfc",
                "id": f"RFC {number}",
                "url": f"https://www.rfc-editor.org/rfc/rfc{number}",
            }
        )
    return found


def requirement(connection: Connection, ident: str) -> dict[str, Any]:
    """A requirement and, per product, the outcome in its latest run that judged it."""
    row = connection.execute(select(requirements).where(requirements.c.id == ident)).first()
    if row is None:
        raise Refused(404, "Not found", f"the register has no requirement {ident}")
    rank = (
        func.row_number()
        .over(
            partition_by=runs.c.product_id,
            order_by=(runs.c.issued_at.desc(), runs.c.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(
            runs.c.product_id,
            runs.c.certificate_sha256,
            runs.c.issued_at,
            runs.c.profile_version,
            runs.c.assessment,
            run_requirements.c.outcome,
            rank,
        )
        .join(run_requirements, run_requirements.c.run_id == runs.c.id)
        .where(run_requirements.c.requirement_id == ident)
        .subquery()
    )
    judged = connection.execute(
        select(
            ranked,
            products.c.slug.label("product_slug"),
            products.c.name.label("product_name"),
            vendors.c.slug.label("vendor_slug"),
            vendors.c.name.label("vendor_name"),
        )
        .select_from(
            ranked.join(products, ranked.c.product_id == products.c.id).join(
                vendors, products.c.vendor_id == vendors.c.id
            )
        )
        .where(ranked.c.rank == 1)
        .order_by(vendors.c.name, products.c.name)
    ).all()
    adr = json.loads(row.adr)
    return {
        "id": row.id,
        "block": row.block,
        "level": row.level,
        "statement": row.statement,
        "adr": adr,
        "sources": sources(row.statement, adr),
        "products": [
            {
                "vendor": {"slug": item.vendor_slug, "name": item.vendor_name},
                "product": {"slug": item.product_slug, "name": item.product_name},
                "outcome": item.outcome,
                "certificate": item.certificate_sha256,
                "issuedAt": item.issued_at,
                "profileVersion": item.profile_version,
                "assessment": item.assessment,
            }
            for item in judged
        ],
    }


def _stored(connection: Connection, certificate: str, column: Any) -> bytes:
    value = connection.execute(
        select(column).where(runs.c.certificate_sha256 == certificate)
    ).scalar_one_or_none()
    if value is None:
        raise Refused(404, "Not found", f"the register has no certificate {certificate}")
    return bytes(value)


def certificate(connection: Connection, policy: Policy, sha: str) -> dict[str, Any]:
    """A certificate as the register holds it, verified again now against its key."""
    row = _run_by_certificate(connection, sha)
    key = connection.execute(
        select(signing_keys, vendors.c.name.label("vendor_name"))
        .select_from(signing_keys.outerjoin(vendors, signing_keys.c.vendor_id == vendors.c.id))
        .where(signing_keys.c.id == row.key_id)
    ).one()
    data = _stored(connection, sha, runs.c.certificate)
    if key.revoked_at is not None:
        verified, why = False, f"the signing key was revoked at {key.revoked_at}"
    else:
        try:
            verify_certificate(data, parse_public_key(key.public_pem))
            verified, why = True, None
        except CertificateInvalid as exc:
            verified, why = False, str(exc)
    entry = _entry(row, newest_profiles(connection), policy, clock.now())
    payload = json.loads(data)["certificate"]
    run = payload.get("run") or {}
    view = key_view(key)
    view.pop("publicKey")
    return {
        **entry,
        "vendor": {"slug": row.vendor_slug, "name": row.vendor_name},
        "product": {"slug": row.product_slug, "name": row.product_name},
        "runId": row.run_uuid,
        "run": {
            "baseUrl": (payload.get("target") or {}).get("base_url"),
            "seed": run.get("seed"),
            "cases": run.get("cases"),
            "startedAt": run.get("started_at"),
            "durationS": run.get("duration_s"),
            "complete": run.get("complete"),
            "harness": (payload.get("harness") or {}).get("gdi_conformance"),
        },
        "publishedAt": row.published_at,
        "verified": verified,
        "verificationProblem": why,
        "key": view,
        "requirements": [
            {
                "requirement": ident,
                "level": item.level,
                "outcome": item.outcome,
                "statement": item.statement,
                "adr": _rules(item.adr),
            }
            for ident, item in _outcomes(connection, row.id).items()
        ],
    }


def certificate_file(connection: Connection, sha: str) -> bytes:
    return _stored(connection, sha, runs.c.certificate)


def report_file(connection: Connection, sha: str) -> bytes:
    return zlib.decompress(_stored(connection, sha, runs.c.report))


def latest_for_badge(
    connection: Connection, policy: Policy, vendor: str, name: str, block: str
) -> dict[str, Any]:
    """The newest run of a product for a block, at the newest profile version it was run on."""
    product_row = _product_row(connection, vendor, name)
    rows = connection.execute(
        select(*_RUN_COLUMNS).where(runs.c.product_id == product_row.id, runs.c.block == block)
    ).all()
    if not rows:
        raise Refused(404, "Not found", f"{vendor}/{name} has no run for the block {block}")
    best = max(rows, key=lambda row: (version_key(row.profile_version), row.issued_at, row.id))
    return _entry(best, newest_profiles(connection), policy, clock.now())
