"""``gdi-conformance lint SPEC...``: static NL GOV API Design Rules checks of OpenAPI specs.

Every rule of the official ADR ruleset (with what Spectral itself reports: unresolvable $refs,
keys its parser refuses) plus our own rules (``gdi:*``), listed apart as extras.

Exit codes: 0 no finding of an ADR rule at or above ``--fail-severity`` (error by default, so
warnings do not fail a build), 1 there is one, 2 a file is not an OpenAPI document at all (one
message per file, no traceback). Findings of our own rules count for no verdict.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from conformance.exitcodes import ExitCode
from conformance.lint.findings import Finding, Severity
from conformance.lint.versions import ADR_VERSIONS, DEFAULT_ADR_VERSION
from conformance.spec.errors import SpecLoadError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lint",
        help="check OpenAPI specs against the NL GOV API Design Rules (static)",
        description=(
            "Check OpenAPI specs against the NL GOV API Design Rules: every rule of the official "
            "ADR ruleset plus our own rules (gdi:*, listed as extras). Exit 0 when no ADR rule's "
            "finding reaches --fail-severity, 1 when one does, 2 when a file is not an OpenAPI "
            "document."
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
    parser.add_argument(
        "--no-extras",
        dest="extras",
        action="store_false",
        help="leave out our own rules (gdi:*): only the official ADR ruleset",
    )
    parser.add_argument("--output", "-o", type=Path, help="write the report here (default stdout)")
    parser.add_argument(
        "--allow-remote", action="store_true", help="fetch http(s) $refs (off by default)"
    )
    parser.add_argument(
        "--ref-root",
        type=Path,
        metavar="DIR",
        help="let $refs also read local files below DIR (by default only below each spec's "
        "own folder)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: `gdi-conformance --help` and other commands need none of it.
    from conformance.lint.runner import lint_spec
    from conformance.spec.loader import load_spec

    findings: list[Finding] = []
    linted: list[str] = []
    unusable = False
    for path in args.specs:
        try:
            spec = load_spec(
                path,
                allow_remote=args.allow_remote,
                require_openapi=False,
                ref_root=args.ref_root,
                keep_broken_refs=True,
                keep_duplicate_keys=True,
            )
        except SpecLoadError as exc:
            print(f"gdi-conformance lint: {exc}", file=sys.stderr)
            unusable = True
            continue
        findings += lint_spec(spec, adr_version=args.adr, extras=args.extras)
        linted.append(str(path))
    if linted or args.format != "text":  # machine formats always print, if only an empty list
        report = _render(args, findings, linted)
        if not _write(report, args.output):
            return ExitCode.COULD_NOT_RUN
    if unusable:
        return ExitCode.COULD_NOT_RUN
    if args.fail_severity != "never":
        threshold = Severity(args.fail_severity)
        if any(not f.extra and f.severity.at_least(threshold) for f in findings):
            return ExitCode.NOT_CONFORMANT
    return ExitCode.CONFORMANT


def _render(args: argparse.Namespace, findings: list[Finding], linted: list[str]) -> str:
    if args.format == "json":
        from conformance.reports.lint_json import render_json

        return render_json(findings)
    if args.format == "sarif":
        from conformance.reports.lint_sarif import render_sarif

        return render_sarif(findings, adr_version=args.adr, extras=args.extras)
    from conformance.reports.lint_text import render_text

    return render_text(findings, files=linted)


def _write(report: str, output: Path | None) -> bool:
    if output is None:
        sys.stdout.write(report)
        return True
    try:
        output.write_text(report, encoding="utf-8")
    except OSError as exc:
        print(f"gdi-conformance lint: cannot write {output}: {exc.strerror}", file=sys.stderr)
        return False
    return True
