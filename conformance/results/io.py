"""Reading and writing report.json, and validating it against report.schema.json."""

from __future__ import annotations

import json
import os
import tempfile
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from conformance.results.model import RunReport
from conformance.results.redaction import Redactor

REPORT_FILE = "report.json"


@cache
def report_schema() -> dict[str, Any]:
    text = resources.files("conformance.results").joinpath("report.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_report(data: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` if ``data`` is not a valid report.json document."""
    validator = jsonschema.Draft202012Validator(report_schema())
    validator.validate(data)


def report_to_json(report: RunReport, redactor: Redactor | None = None) -> str:
    """The report as JSON text, passed through ``redactor`` once more as a last line of defence."""
    data = (redactor or Redactor()).scrub(report.to_dict())
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_report(report: RunReport, directory: Path, redactor: Redactor | None = None) -> Path:
    """Write ``directory/report.json`` atomically (a reader never sees half a report)."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / REPORT_FILE
    text = report_to_json(report, redactor)
    handle, temporary = tempfile.mkstemp(prefix=".report-", suffix=".json", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)  # mkstemp makes 0600; a report is meant to be shared
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def read_report(path: Path) -> RunReport:
    data = json.loads(path.read_text(encoding="utf-8"))
    validate_report(data)
    return RunReport.from_dict(data)
