"""Signed certificates: the verdict of a run and everything needed to judge it, in one file.

The file is the RFC 8785 canonical JSON of ``{"certificate": PAYLOAD, "signature": {...}}``
followed by one newline. The Ed25519 signature covers the canonical JSON of PAYLOAD. Because
the whole file must be in canonical form, *any* changed byte makes verification fail: either
the file is no longer canonical, or the signed payload changed, or the signature itself did.
"""

from __future__ import annotations

import binascii
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from conformance.client.jose import b64url_decode, b64url_encode
from conformance.reports.certification import SCORE_FORMULA, Certification
from conformance.reports.signing import fingerprint
from conformance.results import RunReport

CERTIFICATE_FORMAT = "gdi-conformance-certificate/1"
CERTIFICATE_FILE = "certificate.json"
ALGORITHM = "Ed25519"


class CertificateInvalid(Exception):
    """The certificate does not verify; the message says which check failed."""


def canonical(value: Any) -> bytes:
    return rfc8785.dumps(value)


def report_digest(report: RunReport) -> str:
    """SHA-256 of the canonical JSON of the report: independent of how report.json is indented."""
    return hashlib.sha256(canonical(report.to_dict())).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def build_payload(
    report: RunReport, certification: Certification, issued_at: str | None = None
) -> dict[str, Any]:
    """What the certificate asserts; every value comes from the report and its judgement."""
    product = report.product
    return {
        "format": CERTIFICATE_FORMAT,
        "issued_at": issued_at or _now(),
        "verdict": certification.verdict.value,
        "score": certification.score,
        "score_formula": SCORE_FORMULA,
        "reasons": list(certification.reasons),
        "waivers_evaluated_on": certification.evaluated_on.isoformat(),
        "product": None
        if product is None
        else {"vendor": product.vendor, "name": product.name, "version": product.version},
        "block": _block(report),
        "target": {"base_url": report.base_url},
        "harness": {
            "gdi_conformance": report.tools.gdi_conformance,
            "schemathesis": report.tools.schemathesis,
            "hypothesis": report.tools.hypothesis,
            "openapi_core": report.tools.openapi_core,
            "python": report.tools.python,
        },
        "run": _run(report),
        "requirements": [
            {
                "id": item.id,
                "level": item.level.value,
                "outcome": item.result.outcome.value,
                "standing": item.standing.value,
                "cases": item.result.cases,
                "note": item.note,
            }
            for item in certification.requirements
        ],
        "exceptions": _exceptions(report),
        "waivers": _waivers(certification),
    }


def _block(report: RunReport) -> dict[str, Any]:
    """The building block judged: its profile and spec, each with its digest."""
    return {
        "name": report.profile.name,
        "profile_kind": report.profile.kind,
        "profile_version": report.profile.version,
        "profile_sha256": report.profile.sha256,
        "spec_title": report.spec.title,
        "spec_version": report.spec.version,
        "spec_sha256": report.spec.sha256,
        "openapi_version": report.spec.openapi_version,
    }


def _run(report: RunReport) -> dict[str, Any]:
    """How the run went: its seed and budget, its time, its completeness, the report's digest."""
    return {
        "run_id": report.run_id,
        "seed": report.seed,
        "max_examples": report.budget.max_examples,
        "max_time_s": report.budget.max_time_s,
        "workers": report.budget.workers,
        "threads": report.budget.threads,
        "request_timeout_s": report.budget.request_timeout_s,
        "started_at": report.started_at,
        "finished_at": report.finished_at,
        "duration_s": report.duration_s,
        "complete": report.completion.complete,
        "incomplete_reason": report.completion.reason,
        "cases": report.summary.cases,
        "report_sha256": report_digest(report),
    }


def _exceptions(report: RunReport) -> list[dict[str, Any]]:
    """The profile exceptions the run applied, each once."""
    exceptions = {
        applied.id: applied
        for result in report.requirements
        for applied in result.exceptions_applied
    }
    return [
        {"id": item.id, "rule": item.rule, "matched": item.matched, "reason": item.reason}
        for item in exceptions.values()
    ]


def _waivers(certification: Certification) -> list[dict[str, Any]]:
    """Every waiver evaluated, expired first, then applied, then unused (with why)."""
    unused = {waiver: why for waiver, why in certification.waivers_unused}
    waivers = [
        {**waiver.to_dict(), "status": "expired", "note": "expired: the failure counts"}
        for waiver in certification.waivers_expired
    ]
    waivers += [
        {**waiver.to_dict(), "status": "applied", "note": None}
        for waiver in certification.waivers_applied
    ]
    waivers += [
        {**waiver.to_dict(), "status": "unused", "note": why} for waiver, why in unused.items()
    ]
    return waivers


def _unb64(text: str) -> bytes:
    """Strict base64url: a value that decodes but does not encode back the same is rejected,
    so no alternative spelling of the same signature bytes can pass."""
    try:
        data = b64url_decode(text)
    except (binascii.Error, ValueError) as exc:
        raise CertificateInvalid("the signature value is not base64url") from exc
    if b64url_encode(data) != text:
        raise CertificateInvalid("the signature value is not in canonical base64url")
    return data


def sign_certificate(payload: dict[str, Any], key: Ed25519PrivateKey) -> bytes:
    """The certificate file: canonical JSON of payload and signature, and a newline."""
    signature = key.sign(canonical(payload))
    envelope = {
        "certificate": payload,
        "signature": {
            "algorithm": ALGORITHM,
            "key_fingerprint": fingerprint(key.public_key()),
            "value": b64url_encode(signature),
        },
    }
    return canonical(envelope) + b"\n"


@dataclass(frozen=True, slots=True)
class VerifiedCertificate:
    payload: dict[str, Any]
    key_fingerprint: str
    payload_sha256: str

    @property
    def verdict(self) -> str:
        return str(self.payload["verdict"])

    @property
    def block(self) -> str:
        return str(self.payload["block"]["name"])

    @property
    def product(self) -> str:
        product = self.payload.get("product")
        if not product:
            return "(no product named)"
        return f"{product['vendor']} {product['name']} {product['version']}"


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        raise CertificateInvalid("the certificate has a duplicate key")
    return dict(pairs)


def _reject_constant(name: str) -> Any:
    raise CertificateInvalid(f"the certificate contains {name}, which JSON does not allow")


def _parse(data: bytes) -> dict[str, Any]:
    try:
        text = data.decode("utf-8", errors="strict")
        document = json.loads(
            text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise CertificateInvalid(f"not a JSON certificate ({exc})") from exc
    if not isinstance(document, dict):
        raise CertificateInvalid("not a certificate: expected a JSON object")
    try:
        canonical_form = canonical(document) + b"\n"
    except rfc8785.CanonicalizationError as exc:
        raise CertificateInvalid(f"cannot be put in canonical form ({exc})") from exc
    if canonical_form != data:
        raise CertificateInvalid(
            "the file is not in the canonical form it was signed in: it was changed after signing"
        )
    return document


def verify_certificate(data: bytes, public_key: Ed25519PublicKey) -> VerifiedCertificate:
    """Check ``data`` byte for byte; raise ``CertificateInvalid`` naming the first failed check."""
    document = _parse(data)
    if set(document) != {"certificate", "signature"}:
        raise CertificateInvalid("expected exactly the keys 'certificate' and 'signature'")
    payload, signature = document["certificate"], document["signature"]
    if not isinstance(payload, dict) or not isinstance(signature, dict):
        raise CertificateInvalid("'certificate' and 'signature' must be objects")
    if set(signature) != {"algorithm", "key_fingerprint", "value"}:
        raise CertificateInvalid("the signature must have algorithm, key_fingerprint and value")
    if signature["algorithm"] != ALGORITHM:
        raise CertificateInvalid(f"unsupported signature algorithm {signature['algorithm']!r}")
    expected = fingerprint(public_key)
    if signature["key_fingerprint"] != expected:
        raise CertificateInvalid(
            f"signed by the key {signature['key_fingerprint']}, not by the given key {expected}"
        )
    value = signature["value"]
    if not isinstance(value, str):
        raise CertificateInvalid("the signature value must be a string")
    raw = _unb64(value)
    signed = canonical(payload)
    try:
        public_key.verify(raw, signed)
    except InvalidSignature as exc:
        raise CertificateInvalid("the signature does not match the certificate's content") from exc
    if payload.get("format") != CERTIFICATE_FORMAT:
        raise CertificateInvalid(f"unknown certificate format {payload.get('format')!r}")
    return VerifiedCertificate(
        payload=payload,
        key_fingerprint=expected,
        payload_sha256=hashlib.sha256(signed).hexdigest(),
    )
