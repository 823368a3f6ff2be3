"""Reading the files the report commands are given, with one clear message per problem."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from conformance.reports.waivers import Waiver, load_waivers
from conformance.results import RunReport, validate_report


class InputError(Exception):
    """An input file cannot be used; the message says which file, where and why."""


def read_report_file(path: Path) -> RunReport:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise InputError(f"{path}: cannot read the report ({reason})") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg})") from exc
    if not isinstance(data, dict):
        raise InputError(f"{path}: not a report.json (expected a JSON object)")
    try:
        validate_report(data)
    except jsonschema.ValidationError as exc:
        where = exc.json_path if exc.path else "the document"
        raise InputError(f"{path}: not a valid report.json at {where}: {exc.message}") from exc
    return RunReport.from_dict(data)


def read_waivers_file(path: Path | None) -> list[Waiver]:
    return [] if path is None else load_waivers(path)
