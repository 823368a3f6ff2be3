"""``gdi-conformance verify CERT``: is a certificate intact, and did a key you trust issue it?

    gdi-conformance verify CERT --trusted-key KEY [--trusted-key KEY2] [--trusted-keys FILE]
    gdi-conformance verify CERT --public-key KEY

Intact means every byte is as it was signed; that alone says nothing about who signed it,
since anyone can make a key and sign. With ``--trusted-key``/``--trusted-keys`` the signer must
also be one of the keys you trust. Without ``--public-key`` the signer's public key is taken
from the trusted keys (by the fingerprint the certificate names) or, to say at least whether
the certificate is intact, from the ``signing-key.pub.pem`` beside it.

Exit 0: intact (and, when trusted keys are given, issued by one of them); 1: changed, or
intact but not issued by a trusted key; 2: the certificate or a key cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from conformance.exitcodes import ExitCode
from conformance.reports.certificate import (
    CertificateInvalid,
    VerifiedCertificate,
    verify_certificate,
)
from conformance.reports.signing import (
    PUBLIC_KEY_FILE,
    SigningKeyError,
    fingerprint,
    load_public_key,
    load_trusted_keys,
)

PROG = "gdi-conformance verify"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="check that a certificate is intact and issued by a key you trust",
        description=(
            "Check the Ed25519 signature of a certificate.json (any changed byte fails) and "
            "whether the key that signed it is one you trust. Exit 0: intact (and issued by a "
            "trusted key, when trusted keys are given); 1: changed, or not issued by a trusted "
            "key; 2: unreadable input."
        ),
        epilog=(
            "examples:\n"
            "  gdi-conformance verify reports/messaging/certificate.json "
            "--trusted-key issuer.pub.pem\n"
            "  gdi-conformance verify certificate.json --trusted-keys trusted-keys.pem"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("certificate", type=Path, metavar="CERT", help="certificate.json")
    parser.add_argument(
        "--trusted-key",
        type=Path,
        action="append",
        default=[],
        metavar="KEY",
        help="public key (PEM) of an issuer you trust; repeatable",
    )
    parser.add_argument(
        "--trusted-keys",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="file of trusted issuers' public keys, PEM blocks one after another; repeatable",
    )
    parser.add_argument(
        "--public-key",
        type=Path,
        metavar="KEY",
        help="check against this key only (intact and signed by KEY; says nothing of trust "
        "unless trusted keys are given too)",
    )
    parser.set_defaults(func=main)


def _line(label: str, value: str) -> None:
    print(f"{label + ':':<16}{value}")


def _trusted(args: argparse.Namespace) -> dict[str, tuple[Ed25519PublicKey, Path]]:
    found: dict[str, tuple[Ed25519PublicKey, Path]] = {}
    for path in args.trusted_key:
        key = load_public_key(path)
        found.setdefault(fingerprint(key), (key, path))
    for path in args.trusted_keys:
        for key in load_trusted_keys(path):
            found.setdefault(fingerprint(key), (key, path))
    return found


def _named_signer(data: bytes) -> str | None:
    """The fingerprint the certificate says it was signed with (not yet verified)."""
    try:
        named = json.loads(data)["signature"]["key_fingerprint"]
    except (ValueError, TypeError, KeyError):
        return None
    return named if isinstance(named, str) else None


def _beside(certificate: Path, signer: str | None) -> tuple[Ed25519PublicKey, Path] | None:
    """The public key written beside the certificate (its folder, or the report folder above),
    if it is the one the certificate names: enough to check integrity, never trust."""
    for path in (certificate.parent / PUBLIC_KEY_FILE, certificate.parent.parent / PUBLIC_KEY_FILE):
        try:
            key = load_public_key(path)
        except SigningKeyError:
            continue
        if fingerprint(key) == signer:
            return key, path
    return None


def _fail(message: str) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return ExitCode.COULD_NOT_RUN


def main(args: argparse.Namespace) -> int:
    try:
        trusted = _trusted(args)
        given = None if args.public_key is None else load_public_key(args.public_key)
    except SigningKeyError as exc:
        return _fail(str(exc))
    if given is None and not trusted:
        return _fail(
            "say whom you trust: --trusted-key KEY or --trusted-keys FILE (or --public-key)"
        )
    try:
        data = args.certificate.read_bytes()
    except OSError as exc:
        return _fail(f"{args.certificate}: cannot read ({exc.strerror})")
    _line("certificate", f"{args.certificate} ({len(data)} bytes)")
    signer = _named_signer(data)
    chosen: tuple[Ed25519PublicKey, Path] | None = None
    if given is not None:
        chosen = (given, args.public_key)
    elif signer in trusted:
        chosen = trusted[signer]
    else:
        chosen = _beside(args.certificate, signer)
    if chosen is None:
        _line("signature", f"not checked: no public key given for its signer {signer}")
        _line("issuer", f"NOT a trusted key: {signer} is none of the {len(trusted)} trusted")
        print(
            f"{PROG}: {args.certificate} was NOT issued by a trusted key; do not rely on it",
            file=sys.stderr,
        )
        return ExitCode.NOT_CONFORMANT
    key, key_path = chosen
    _line("key", f"{key_path} ({fingerprint(key)})")
    try:
        verified = verify_certificate(data, key)
    except CertificateInvalid as exc:
        _line("signature", f"INVALID: {exc}")
        print(f"{PROG}: {args.certificate} does not verify; do not rely on it", file=sys.stderr)
        return ExitCode.NOT_CONFORMANT
    _line("signature", "valid: intact (Ed25519 over the RFC 8785 canonical JSON)")
    issued_by_trusted = verified.key_fingerprint in trusted
    if issued_by_trusted:
        _line(
            "issuer",
            f"trusted: {verified.key_fingerprint} ({trusted[verified.key_fingerprint][1]})",
        )
    elif trusted:
        _line(
            "issuer",
            f"NOT trusted: signed by {verified.key_fingerprint}, "
            f"none of the {len(trusted)} trusted key(s)",
        )
    else:
        _line("issuer", f"{verified.key_fingerprint} (not checked: no trusted keys given)")
    _describe(verified)
    if trusted and not issued_by_trusted:
        print(
            f"{PROG}: {args.certificate} is intact but NOT issued by a trusted key; "
            "do not rely on it",
            file=sys.stderr,
        )
        return ExitCode.NOT_CONFORMANT
    return ExitCode.CONFORMANT


def _describe(verified: VerifiedCertificate) -> None:
    payload = verified.payload
    run = payload.get("run") or {}
    _line("payload sha256", verified.payload_sha256)
    _line("verdict", f"{verified.verdict.replace('-', ' ')} (score {payload.get('score')})")
    profile = (payload.get("block") or {}).get("profile_version")
    _line("block", f"{verified.block} (profile {profile})")
    _line("product", verified.product)
    _line("tested at", f"{(payload.get('target') or {}).get('base_url')}")
    _line("run", f"{run.get('run_id')} (seed {run.get('seed')}, {run.get('started_at')})")
    _line("issued at", f"{payload.get('issued_at')}")
