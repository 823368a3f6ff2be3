"""``gdi-conformance init --bb NAME``: write a commented example vendor file to start from.

    gdi-conformance init --bb identity [--output gdi-conformance.yaml] [--force]

The example (``conformance.spec.vendor.EXAMPLE``) describes an identity provider's issuer, the
four test clients with their key files, a form login and test users; for messaging or
registries a section with the block's base URL follows (their checks take tokens from the
identity provider the file describes). An existing file is kept unless ``--force``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from conformance.exitcodes import ExitCode
from conformance.spec.vendor import DEFAULT_NAME, EXAMPLE

PROG = "gdi-conformance init"
BLOCKS = ("identity", "messaging", "registries")
BLOCK_EXAMPLE = """\
{block}:
  base_url: https://{block}.example.nl/{block}/v1
  # restart: systemctl restart {block}   # a command (no shell) for the durability checks
  waivers: []
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "init",
        help="write a commented example vendor file (gdi-conformance.yaml)",
        description=(
            "Write a commented example of the vendor file: where your implementation runs, "
            "the test clients and keys, test users, how they log in, waivers. Exit 0: written, "
            "2: not (the file exists, or cannot be written)."
        ),
    )
    parser.add_argument("--bb", required=True, choices=BLOCKS, help="the block to describe")
    parser.add_argument(
        "--output", type=Path, default=Path(DEFAULT_NAME), metavar="FILE",
        help=f"where to write it (default: ./{DEFAULT_NAME})",
    )  # fmt: skip
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")
    parser.set_defaults(func=main)


def example(block: str) -> str:
    text = EXAMPLE
    if block != "identity":
        text += "\n" + BLOCK_EXAMPLE.format(block=block)
    return text


def main(args: argparse.Namespace) -> int:
    if args.output.exists() and not args.force:
        print(f"{PROG}: {args.output} exists; give --force to overwrite it", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
    try:
        args.output.write_text(example(args.bb), encoding="utf-8")
    except OSError as exc:
        print(f"{PROG}: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
    print(f"wrote {args.output}: fill in your issuer, clients, keys and test users")
    return ExitCode.CONFORMANT
