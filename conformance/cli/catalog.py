"""``gdi-conformance catalog``: list the building blocks the harness can certify.

Every profile and spec is loaded and checked on the way, so this doubles as a check of the
catalogue itself: a broken profile or spec is reported (file:line:col) with exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from conformance.engine.catalogue import load_checks
from conformance.exitcodes import ExitCode
from conformance.spec.catalog import SPECS_ROOT_ENV, CatalogEntry, list_blocks
from conformance.spec.errors import SpecLoadError
from conformance.spec.profile import LEVELS


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "catalog",
        help="list the building blocks, their versions and requirements",
        description=(
            "List every building block in the catalogue: versions, spec title and version, "
            "requirements per level and exceptions. Checks each profile and spec on the way."
        ),
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help=f"catalogue folder (default: ${SPECS_ROOT_ENV}, else the catalogue shipped with "
        "the package)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        entries = list_blocks(args.root, known_checks=load_checks().ids)
    except SpecLoadError as exc:
        print(f"gdi-conformance catalog: {exc}", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
    if args.format == "json":
        print(json.dumps({"blocks": [_as_json(entry) for entry in entries]}, indent=2))
    else:
        print(_as_text(entries))
    for entry in entries:
        for warning in entry.warnings:
            print(f"warning: {entry.profile.path}: {warning}", file=sys.stderr)
    return ExitCode.CONFORMANT


def _as_json(entry: CatalogEntry) -> dict[str, Any]:
    profile = entry.profile
    return {
        "block": entry.block,
        "version": entry.version,
        "major": entry.major,
        "title": profile.title,
        "profile_version": profile.version,
        "spec": {
            "path": entry.spec_path.as_posix(),
            "title": entry.spec_title,
            "version": entry.spec_version,
            "openapi": entry.spec.openapi_version,
            "sha256": entry.spec.sha256,
        },
        "requirements": {"total": len(profile.requirements), **profile.level_counts()},
        "exceptions": len(profile.exceptions),
        "warnings": list(entry.warnings),
    }


def _as_text(entries: list[CatalogEntry]) -> str:
    if not entries:
        return "The catalogue holds no building blocks."
    header = ["BLOCK", "VERSION", "SPEC", "SPEC VERSION", *LEVELS, "EXCEPTIONS"]
    rows = [header]
    for entry in entries:
        counts = entry.profile.level_counts()
        rows.append(
            [
                entry.block,
                entry.version,
                entry.spec_title,
                entry.spec_version,
                *(str(counts[level]) for level in LEVELS),
                str(len(entry.profile.exceptions)),
            ]
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
