"""``gdi-conformance merge REPORT... --out FILE [--signing-key KEY]``: one report from the
shards of a run, with the verdict none of the shards has on its own.

With ``--signing-key`` also ``certificate.json`` (the merged verdict, signed) and the public key
beside FILE. Exit 0: conformant; 1: not conformant or not proven; 2: the inputs cannot be read,
are not shards of one run, or the key is unusable.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from conformance.cli.report_inputs import InputError, read_report_file
from conformance.cli.run_certificate import signing_key
from conformance.exitcodes import ExitCode
from conformance.reports.certification import certify
from conformance.reports.merge import MergeError, merge_reports
from conformance.reports.render import write_atomic, write_certificate
from conformance.reports.signing import PUBLIC_KEY_FILE, SigningKeyError, public_pem
from conformance.results import Verdict, report_to_json

PROG = "gdi-conformance merge"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "merge",
        help="combine the report.json files of the shards of one run",
        description=(
            "Combine shard reports (same spec, profile, seed and target) into one report.json: "
            "a failure in any shard fails the requirement, a pass beats a skip, cases are "
            "summed, and the result is incomplete if any shard is."
        ),
    )
    parser.add_argument("reports", type=Path, nargs="+", metavar="REPORT", help="shard reports")
    parser.add_argument("--out", type=Path, required=True, metavar="FILE", help="merged report")
    parser.add_argument(
        "--signing-key",
        type=Path,
        metavar="KEY",
        help="Ed25519 private key: also write certificate.json, the signed merged verdict",
    )
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    try:
        key = signing_key(args)
        merged = merge_reports([read_report_file(path) for path in args.reports])
    except (InputError, MergeError, SigningKeyError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
    try:
        write_atomic(args.out, report_to_json(merged))
        if key is not None:
            directory = args.out.parent
            write_certificate(merged, certify(merged, []), directory, key)
            write_atomic(directory / PUBLIC_KEY_FILE, public_pem(key.public_key()))
    except OSError as exc:
        print(f"{PROG}: cannot write {args.out}: {exc.strerror}", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
    complete = "complete" if merged.completion.complete else "incomplete"
    verdict = merged.verdict.value.replace("_", " ")
    print(
        f"{args.out}: {len(args.reports)} shards, {merged.summary.cases} cases, {complete}, "
        f"{verdict}"
    )
    if merged.verdict is Verdict.CONFORMANT:
        return ExitCode.CONFORMANT
    return ExitCode.NOT_CONFORMANT
