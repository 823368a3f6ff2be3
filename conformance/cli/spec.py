"""``gdi-conformance spec FILE``: load an OpenAPI spec the way every command does, and report.

Shows what the harness sees of a spec: the files it was read from, its operations and the
sha256 that certificates name. ``--validate`` adds the OpenAPI structural check (exit 1 when
the document breaks the OpenAPI schema). An unusable spec is reported with exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from conformance.exitcodes import ExitCode
from conformance.spec.catalog import operation_ids
from conformance.spec.errors import SpecLoadError
from conformance.spec.loader import load_spec


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "spec",
        help="load an OpenAPI spec and show what the harness reads from it",
        description=(
            "Load an OpenAPI 3.x spec (YAML or JSON, $refs across files bundled) and print its "
            "title, version, files, operation count and sha256."
        ),
    )
    parser.add_argument("file", type=Path, help="the OpenAPI document")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--allow-remote", action="store_true", help="fetch http(s) $refs (off by default)"
    )
    parser.add_argument(
        "--ref-root",
        type=Path,
        metavar="DIR",
        help="let $refs also read local files below DIR (by default only below the spec's "
        "own folder)",
    )
    parser.add_argument(
        "--validate", action="store_true", help="also check it against the OpenAPI schema"
    )
    parser.add_argument("--bundle", action="store_true", help="print the bundled document (JSON)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        spec = load_spec(args.file, allow_remote=args.allow_remote, ref_root=args.ref_root)
    except SpecLoadError as exc:
        print(f"gdi-conformance spec: {exc}", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
    if args.bundle:
        print(json.dumps(spec.bundled, indent=2, ensure_ascii=False))
        return ExitCode.CONFORMANT
    problems = []
    if args.validate:
        from conformance.spec.validation import validate_openapi  # slow import, only if asked

        problems = validate_openapi(spec)
    info = spec.bundled.get("info")
    if not isinstance(info, dict):
        info = {}
    summary: dict[str, Any] = {
        "path": str(spec.path),
        "openapi": spec.openapi_version,
        "title": info.get("title"),
        "version": info.get("version"),
        "operations": len(operation_ids(spec)),
        "files": spec.files,
        "sha256": spec.sha256,
    }
    if args.validate:
        summary["problems"] = [
            {"location": str(p.location), "path": p.json_path, "message": p.message}
            for p in problems
        ]
    if args.format == "json":
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        for key in ("path", "openapi", "title", "version", "operations", "sha256"):
            print(f"{key + ':':<12}{summary[key]}")
        print(f"{'files:':<12}{', '.join(spec.files)}")
        if args.validate:
            for p in problems:
                print(f"{p.location}: {p.code}: {p.message} (at {p.json_path})")
            print(f"{len(problems)} structural problem(s)")
    return ExitCode.NOT_CONFORMANT if problems else ExitCode.CONFORMANT
