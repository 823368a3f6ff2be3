"""``gdi-conformance lint SPEC...``: static NL GOV API Design Rules checks of OpenAPI specs.

Exit codes: 0 no finding at or above ``--fail-severity`` (error by default, so warnings do not
fail a build), 1 there is one, 2 a spec could not be used (one message per spec, no traceback).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from conformance.exitcodes import ExitCode
from conformance.lint import ADR_VERSIONS, DEFAULT_ADR_VERSION, Finding, Severity, lint_spec
from conformance.reports.lint_json import render_json
from conformance.reports.lint_sarif import render_sarif
from conformance.reports.lint_text import render_text
from conformance.spec import SpecLoadError, load_spec


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lint",
        help="check OpenAPI specs against the NL GOV API Design Rules (static)",
        description=(
            "Check OpenAPI specs against the NL GOV API Design Rules: every rule of the official "
            "ADR ruleset plus our extra rules. Exit 0 when nothing reaches --fail-severity, 1 when "
            "something does, 2 when a spec cannot be read."
        ),
    )
    parser.add_argument("specs", nargs="+", type=Path, metavar="SPEC", help="OpenAPI documents")
    parser.add_argument(
        "--adr",
        choices=ADR_VERSIONS,
        default=DEFAULT_ADR_VERSION,
        help=f"ADR version whose rules apply (default {DEFAULT_ADR_VERSION})",
    )
    parser.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    parser.add_argument(
        "--fail-severity",
        choices=[level.value for level in Severity] + ["never"],
        default="error",
        help="lowest severity that makes the exit code 1 (default error)",
    )
    parser.add_argument("--output", "-o", type=Path, help="write the report here (default stdout)")
    parser.add_argument(
        "--allow-remote", action="store_true", help="fetch http(s) $refs (off by default)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    findings: list[Finding] = []
    linted: list[str] = []
    unusable = False
    for path in args.specs:
        try:
            spec = load_spec(path, allow_remote=args.allow_remote, require_openapi=False)
        except SpecLoadError as exc:
            print(f"gdi-conformance lint: {exc}", file=sys.stderr)
            unusable = True
            continue
        findings += lint_spec(spec, adr_version=args.adr)
        linted.append(str(path))
    if unusable and not linted:
        return ExitCode.COULD_NOT_RUN
    if args.format == "json":
        report = render_json(findings)
    elif args.format == "sarif":
        report = render_sarif(findings, adr_version=args.adr)
    else:
        report = render_text(findings, files=linted)
    if args.output is not None:
        try:
            args.output.write_text(report, encoding="utf-8")
        except OSError as exc:
            print(
                f"gdi-conformance lint: cannot write {args.output}: {exc.strerror}",
                file=sys.stderr,
            )
            return ExitCode.COULD_NOT_RUN
    else:
        sys.stdout.write(report)
    if unusable:
        return ExitCode.COULD_NOT_RUN
    if args.fail_severity != "never":
        threshold = Severity(args.fail_severity)
        if any(finding.severity.at_least(threshold) for finding in findings):
            return ExitCode.NOT_CONFORMANT
    return ExitCode.CONFORMANT
