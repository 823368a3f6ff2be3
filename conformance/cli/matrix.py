"""``gdi-conformance matrix REPORT... [--out DIR]``: the vendors x building blocks overview.

Writes DIR/index.html and DIR/matrix.json. A report.html beside a report.json is linked from
its cell. Exit 0: written; 2: an input cannot be used.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from conformance.cli.report_inputs import InputError, read_report_file, read_waivers_file
from conformance.exitcodes import ExitCode
from conformance.reports.certification import certify
from conformance.reports.folder import Seal
from conformance.reports.html import HTML_FILE
from conformance.reports.i18n import DEFAULT_LANGUAGE
from conformance.reports.matrix import (
    MATRIX_HTML,
    MATRIX_JSON,
    Entry,
    build_matrix,
    render_matrix_html,
)
from conformance.reports.render import write_atomic
from conformance.reports.waivers import WaiverError

PROG = "gdi-conformance matrix"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "matrix",
        help="overview of vendors x building blocks from several report.json files",
        description=(
            "Combine the certification verdicts of several runs into one overview: a row per "
            "product (vendor, product, version), a column per building block. Writes "
            "DIR/index.html and DIR/matrix.json."
        ),
    )
    parser.add_argument("reports", type=Path, nargs="+", metavar="REPORT", help="report.json files")
    parser.add_argument(
        "--out", type=Path, default=Path("reports"), metavar="DIR", help="default: ./reports"
    )
    parser.add_argument(
        "--waivers", type=Path, metavar="FILE", help="a YAML file of waivers (expected failures)"
    )
    parser.set_defaults(func=main)


def link(report_path: Path, out: Path) -> str | None:
    """The relative link from ``out`` to the HTML report beside ``report_path``, if there is one."""
    html = report_path.parent / HTML_FILE
    if not html.is_file():
        return None
    return Path(os.path.relpath(html.resolve(), out.resolve())).as_posix()


def write_matrix(
    entries: Sequence[Entry],
    out: Path,
    seals: Mapping[str, Seal] | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> tuple[Path, Path]:
    matrix = build_matrix(entries, seals)
    data = json.dumps(matrix.to_dict(), indent=2, ensure_ascii=False) + "\n"
    json_path = write_atomic(out / MATRIX_JSON, data)
    html_path = write_atomic(out / MATRIX_HTML, render_matrix_html(matrix, language))
    return html_path, json_path


def main(args: argparse.Namespace) -> int:
    try:
        waivers = read_waivers_file(args.waivers)
        reports = [(path, read_report_file(path)) for path in args.reports]
    except (InputError, WaiverError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
    entries = [(report, certify(report, waivers), link(path, args.out)) for path, report in reports]
    try:
        html_path, json_path = write_matrix(entries, args.out)
    except OSError as exc:
        print(f"{PROG}: cannot write to {args.out}: {exc.strerror}", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
    print(html_path)
    print(json_path)
    return ExitCode.CONFORMANT
