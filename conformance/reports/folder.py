"""The reports already in a folder, for the overview: every block certified there, by any run.

``certify`` writes ``DIR/<block>/report.json`` and ``certificate.json`` (with the public key
beside it). A later run into the same DIR (another block, or the same block again) must leave
what earlier runs wrote in the overview, so the overview is built from the folder, not from
the run that happens to write it. Each certificate is checked on the way: a cell shows the
verdict its certificate signed and the fingerprint of the key that signed it, and says so when
a certificate does not verify or does not belong to the report beside it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import jsonschema
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from conformance.reports.certificate import (
    CERTIFICATE_FILE,
    CertificateInvalid,
    report_digest,
    verify_certificate,
)
from conformance.reports.certification import Certification, CertificationVerdict, certify
from conformance.reports.html import HTML_FILE
from conformance.reports.signing import (
    PUBLIC_KEY_FILE,
    SigningKeyError,
    fingerprint,
    load_public_key,
)
from conformance.results import REPORT_FILE, RunReport, read_report

VALID, INVALID, UNSIGNED = "valid", "invalid", "unsigned"
EARLIER_KEYS = "signing-keys"  # earlier runs' public keys, kept when a run signs with another


@dataclass(frozen=True, slots=True)
class Judgement:
    """What the overview shows of a certification: the verdict and score a certificate signed."""

    verdict: CertificationVerdict
    score: int


@dataclass(frozen=True, slots=True)
class Seal:
    """How a report's certificate stands: ``valid`` (intact, signed by ``key_fingerprint``,
    for this very report), ``invalid`` (``problem`` says why) or ``unsigned`` (none)."""

    status: str
    key_fingerprint: str | None = None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class FolderEntry:
    report: RunReport
    judgement: Judgement | Certification
    href: str | None  # the HTML report, relative to the folder
    seal: Seal


def html_link(report_path: Path, folder: Path) -> str | None:
    html = report_path.parent / HTML_FILE
    if not html.is_file():
        return None
    return Path(os.path.relpath(html.resolve(), folder.resolve())).as_posix()


def _keys(paths: Iterable[Path]) -> dict[str, Ed25519PublicKey]:
    found: dict[str, Ed25519PublicKey] = {}
    for path in paths:
        try:
            key = load_public_key(path)
        except SigningKeyError:
            continue
        found.setdefault(fingerprint(key), key)
    return found


def check_certificate(
    path: Path, report: RunReport, keys: dict[str, Ed25519PublicKey]
) -> tuple[Seal, Judgement | None]:
    """The seal of the certificate at ``path`` for ``report``, with the keys at hand (by
    fingerprint), and the verdict it signed when it holds."""
    try:
        data = path.read_bytes()
        named = json.loads(data)["signature"]["key_fingerprint"]
    except (OSError, ValueError, TypeError, KeyError):
        return Seal(INVALID, problem="the certificate cannot be read"), None
    key = keys.get(named) if isinstance(named, str) else None
    if key is None:
        return Seal(INVALID, str(named), "the public key that signed it is not in the folder"), None
    try:
        verified = verify_certificate(data, key)
    except CertificateInvalid as exc:
        return Seal(INVALID, named, str(exc)), None
    if (verified.payload.get("run") or {}).get("report_sha256") != report_digest(report):
        return Seal(INVALID, named, "the certificate is for another report than this one"), None
    try:
        judgement = Judgement(
            CertificationVerdict(verified.verdict), int(verified.payload["score"])
        )
    except (ValueError, KeyError, TypeError):
        return Seal(INVALID, named, "the certificate holds no verdict and score"), None
    return Seal(VALID, named), judgement


def collect(
    folder: Path, keys: Iterable[Ed25519PublicKey] = ()
) -> tuple[list[FolderEntry], list[str]]:
    """Every ``folder/*/report.json`` with its judgement and seal, and a line for each report
    that cannot be read (left out of the overview). ``keys``: public keys to check certificates
    with besides those in the folder (``signing-key.pub.pem`` beside each certificate and in
    the folder itself, and the earlier keys under ``signing-keys/``)."""
    given = {
        **_keys(sorted(folder.glob(f"{EARLIER_KEYS}/*.pem"))),
        **{fingerprint(key): key for key in keys},
    }
    entries: list[FolderEntry] = []
    problems: list[str] = []
    for path in sorted(folder.glob(f"*/{REPORT_FILE}")):
        try:
            report = read_report(path)
        except (OSError, ValueError, jsonschema.ValidationError) as exc:
            why = exc.message if isinstance(exc, jsonschema.ValidationError) else str(exc)
            problems.append(f"{path}: left out of the overview: not a usable report ({why})")
            continue
        href = html_link(path, folder)
        certificate = path.parent / CERTIFICATE_FILE
        if not certificate.is_file():
            # The life events are reported, not certified: judged as they were when written.
            entries.append(FolderEntry(report, certify(report), href, Seal(UNSIGNED)))
            continue
        at_hand = {**_keys((path.parent / PUBLIC_KEY_FILE, folder / PUBLIC_KEY_FILE)), **given}
        seal, judgement = check_certificate(certificate, report, at_hand)
        entries.append(FolderEntry(report, judgement or certify(report), href, seal))
    return entries, problems
