"""``gdi-conformance verify CERT --public-key KEY``: check a signed certificate byte for byte.

Exit 0: the certificate is intact and signed by KEY; 1: it is not (changed, or signed by
another key); 2: the certificate or the key cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from conformance.exitcodes import ExitCode
from conformance.reports.certificate import CertificateInvalid, verify_certificate
from conformance.reports.signing import SigningKeyError, fingerprint, load_public_key

PROG = "gdi-conformance verify"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="check that a certificate is intact and signed by a given key",
        description=(
            "Check the Ed25519 signature of a certificate.json against a public key. Any "
            "changed byte makes the check fail. Exit 0: valid, 1: invalid, 2: unreadable input."
        ),
    )
    parser.add_argument("certificate", type=Path, metavar="CERT", help="certificate.json")
    parser.add_argument(
        "--public-key", type=Path, required=True, metavar="KEY", help="the signer's public key"
    )
    parser.set_defaults(func=main)


def _line(label: str, value: str) -> None:
    print(f"{label + ':':<16}{value}")


def main(args: argparse.Namespace) -> int:
    try:
        key = load_public_key(args.public_key)
    except SigningKeyError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
    try:
        data = args.certificate.read_bytes()
    except OSError as exc:
        print(f"{PROG}: {args.certificate}: cannot read ({exc.strerror})", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
    _line("certificate", f"{args.certificate} ({len(data)} bytes)")
    _line("key", f"{args.public_key} ({fingerprint(key)})")
    try:
        verified = verify_certificate(data, key)
    except CertificateInvalid as exc:
        _line("signature", f"INVALID: {exc}")
        print(f"{PROG}: {args.certificate} does not verify; do not rely on it", file=sys.stderr)
        return ExitCode.NOT_CONFORMANT
    payload = verified.payload
    run = payload.get("run") or {}
    _line("signature", "valid (Ed25519 over the RFC 8785 canonical JSON)")
    _line("payload sha256", f"{verified.payload_sha256}")
    _line("verdict", f"{verified.verdict.replace('-', ' ')} (score {payload.get('score')})")
    block = payload.get("block") or {}
    _line("block", f"{verified.block} (profile {block.get('profile_version')})")
    _line("product", f"{verified.product}")
    _line("tested at", f"{(payload.get('target') or {}).get('base_url')}")
    _line("run", f"{run.get('run_id')} (seed {run.get('seed')}, {run.get('started_at')})")
    _line("issued at", f"{payload.get('issued_at')}")
    return ExitCode.CONFORMANT
