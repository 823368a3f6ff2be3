"""``gdi-conformance keygen [--out DIR]``: a new Ed25519 key pair for signing certificates."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from conformance.exitcodes import ExitCode
from conformance.reports.signing import SigningKeyError, generate_keypair

PROG = "gdi-conformance keygen"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "keygen",
        help="make a key pair for signing certificates",
        description=(
            "Write DIR/signing-key.pem (the private key, readable only by you) and "
            "DIR/signing-key.pub.pem (the public key to hand to whoever verifies your "
            "certificates). Existing key files are never overwritten. certify needs no key made "
            "this way: without --signing-key it makes its own once, in the user's data directory "
            "(or at $GDI_CONFORMANCE_SIGNING_KEY), and reuses it."
        ),
    )
    parser.add_argument(
        "--out", type=Path, default=Path("."), metavar="DIR", help="where to write the keys"
    )
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    try:
        pair = generate_keypair(args.out)
    except SigningKeyError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
    except OSError as exc:
        print(f"{PROG}: cannot write to {args.out}: {exc.strerror}", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
    print(f"private key: {pair.private_path} (keep it secret; mode 0600)")
    print(f"public key:  {pair.public_path}")
    print(f"fingerprint: {pair.fingerprint}")
    return ExitCode.CONFORMANT
