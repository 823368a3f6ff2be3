"""``gdi-conformance report REPORT.json``: render the reports of a stored run.

Every format comes from the one report.json. Exit 0: certified (with or without remarks);
1: not certified or incomplete; 2: the report, the waivers or the spec cannot be used.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from conformance.cli.report_inputs import InputError, read_report_file, read_waivers_file
from conformance.exitcodes import ExitCode
from conformance.reports.certification import certify
from conformance.reports.i18n import DEFAULT_LANGUAGE, LANGUAGES
from conformance.reports.render import write_outputs
from conformance.reports.waivers import WaiverError
from conformance.results import RunReport
from conformance.spec import LoadedSpec, SpecLoadError, load_spec
from conformance.spec.labels import label_path

PROG = "gdi-conformance report"
CHOICES = ("html", "junit", "badge", "sarif", "all")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="render HTML, JUnit, badge or SARIF from a stored report.json",
        description=(
            "Render the reports of a stored run: the HTML report, JUnit XML, an SVG badge and "
            "(when the spec it names is still there, unchanged) the SARIF of the spec's static "
            "findings. Exit 0: certified, 1: not certified or incomplete, 2: unusable input."
        ),
    )
    parser.add_argument("report", type=Path, metavar="REPORT.json", help="a stored report.json")
    parser.add_argument(
        "--format", choices=CHOICES, default="all", help="what to render (default: all)"
    )
    parser.add_argument(
        "--out", type=Path, metavar="DIR", help="where to write (default: beside the report)"
    )
    parser.add_argument(
        "--waivers", type=Path, metavar="FILE", help="a YAML file of waivers (expected failures)"
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=DEFAULT_LANGUAGE,
        help=f"language of the HTML report: nl or en (default: {DEFAULT_LANGUAGE})",
    )
    parser.set_defaults(func=main)


def _spec_of(report: RunReport) -> tuple[LoadedSpec | None, str | None]:
    """The spec the report was made from, if it is still where it was and unchanged."""
    path = label_path(report.spec.path) or Path(report.spec.path.split(" (")[-1].rstrip(")"))
    if not path.is_file():
        return None, f"the spec {report.spec.path} is not available here"
    try:
        spec = load_spec(path)
    except SpecLoadError as exc:
        return None, f"cannot load the spec: {exc}"
    if spec.sha256 != report.spec.sha256:
        return None, f"{path} has changed since the run (sha256 differs)"
    return spec, None


def main(args: argparse.Namespace) -> int:
    try:
        report = read_report_file(args.report)
        waivers = read_waivers_file(args.waivers)
    except (InputError, WaiverError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
    formats = ["html", "junit", "badge", "sarif"] if args.format == "all" else [args.format]
    spec = None
    if "sarif" in formats:
        spec, problem = _spec_of(report)
        if spec is None:
            if args.format == "sarif":
                print(f"{PROG}: no SARIF: {problem}", file=sys.stderr)
                return ExitCode.COULD_NOT_RUN
            print(f"{PROG}: SARIF left out: {problem}", file=sys.stderr)
            formats.remove("sarif")
    certification = certify(report, waivers)
    out = args.out or args.report.parent
    try:
        written = write_outputs(report, certification, out, formats, spec=spec, language=args.lang)
    except OSError as exc:
        print(f"{PROG}: cannot write to {out}: {exc.strerror}", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
    for path in written.values():
        print(path)
    print(f"verdict: {certification.verdict.label} (score {certification.score})")
    return ExitCode.CONFORMANT if certification.verdict.exit_ok else ExitCode.NOT_CONFORMANT
