"""``run --signing-key KEY``: report.json and, beside it, a signed certificate of its verdict.

The certificate holds the digest of the report as written, so the report is redacted first and
the very same report is written and signed. The certification has no waivers (``certify``
takes a waiver file); the public key is written beside the certificate so that ``verify`` can
check it at once.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conformance.reports.certification import certify
from conformance.reports.render import write_atomic, write_certificate
from conformance.reports.signing import PUBLIC_KEY_FILE, load_private_key, public_pem
from conformance.results import Redactor, RunReport, write_report


def signing_key(args: argparse.Namespace) -> Ed25519PrivateKey | None:
    """The key of ``--signing-key`` (``SigningKeyError`` when unusable), None without one."""
    path: Path | None = getattr(args, "signing_key", None)
    return None if path is None else load_private_key(path)


def write_run_report(
    report: RunReport, directory: Path, redactor: Redactor, key: Ed25519PrivateKey | None
) -> Path:
    """Write ``directory/report.json``; with ``key`` also ``certificate.json`` and the public
    key beside it. Returns the report's path."""
    if key is None:
        return write_report(report, directory, redactor)
    written = RunReport.from_dict(redactor.scrub(report.to_dict()))
    path = write_report(written, directory)
    write_certificate(written, certify(written, []), directory, key)
    write_atomic(directory / PUBLIC_KEY_FILE, public_pem(key.public_key()))
    return path
