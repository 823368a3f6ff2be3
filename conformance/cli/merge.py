"""``gdi-conformance merge REPORT... --out FILE``: one report from the shards of a run.

Exit 0: merged; 2: the inputs cannot be read or are not shards of one run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from conformance.cli.report_inputs import InputError, read_report_file
from conformance.exitcodes import ExitCode
from conformance.reports.merge import MergeError, merge_reports
from conformance.reports.render import write_atomic
from conformance.results import report_to_json

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
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    try:
        merged = merge_reports([read_report_file(path) for path in args.reports])
    except (InputError, MergeError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
    try:
        write_atomic(args.out, report_to_json(merged))
    except OSError as exc:
        print(f"{PROG}: cannot write {args.out}: {exc.strerror}", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
    complete = "complete" if merged.completion.complete else "incomplete"
    print(f"{args.out}: {len(args.reports)} shards, {merged.summary.cases} cases, {complete}")
    return ExitCode.CONFORMANT
