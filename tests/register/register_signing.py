"""Signed certificates with their reports, made in the test as ``certify`` makes them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from support.sample_reports import make_report

from conformance.reports.certificate import build_payload, sign_certificate
from conformance.reports.certification import certify
from conformance.reports.signing import public_pem
from conformance.results import Outcome, ProductInfo
from conformance.results.io import report_to_json


@dataclass(frozen=True)
class Signed:
    certificate: bytes
    report: dict[str, Any]

    def body(self) -> dict[str, Any]:
        return {"certificate": self.certificate.decode("utf-8"), "report": self.report}


def pem(key: Ed25519PrivateKey) -> str:
    return public_pem(key.public_key()).decode("ascii")


def signed(
    key: Ed25519PrivateKey,
    *,
    vendor: str = "Acme BV",
    product: str = "Acme Berichten",
    version: str = "2.4.1",
    failed: tuple[str, ...] = (),
    issued_at: str = "2026-11-01T10:00:00Z",
    run: int = 1,
    profile_version: str = "1.0.0",
) -> Signed:
    report = make_report(
        {ident: Outcome.FAILED for ident in failed},
        product=ProductInfo(vendor, product, version),
        run_id=f"00000000-0000-4000-8000-{run:012d}",
        seed=run,
    )
    report.profile.version = profile_version
    document = json.loads(report_to_json(report))
    payload = build_payload(report, certify(report), issued_at=issued_at)
    return Signed(sign_certificate(payload, key), document)
