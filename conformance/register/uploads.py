"""Finding what a run or ``certify`` wrote into a report folder: each certificate.json with the
report.json beside it (``run --signing-key`` writes both into DIR; ``certify`` into
DIR/<block>/)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CERTIFICATE_FILE = "certificate.json"
REPORT_FILE = "report.json"


class UploadError(Exception):
    """A report folder cannot be published; the message says which file and why."""


@dataclass(frozen=True, slots=True)
class Upload:
    folder: Path
    certificate: bytes
    report: dict[str, Any]


def find_uploads(folder: Path) -> list[Upload]:
    if not folder.is_dir():
        raise UploadError(f"{folder}: not a folder")
    if (folder / CERTIFICATE_FILE).is_file():
        folders = [folder]
    else:
        folders = sorted(
            child for child in folder.iterdir() if (child / CERTIFICATE_FILE).is_file()
        )
    if not folders:
        raise UploadError(
            f"{folder}: no {CERTIFICATE_FILE} in it or in its sub-folders (write one with "
            "'run --signing-key' or 'certify')"
        )
    return [_read(item) for item in folders]


def _read(folder: Path) -> Upload:
    report_path = folder / REPORT_FILE
    try:
        certificate = (folder / CERTIFICATE_FILE).read_bytes()
        text = report_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UploadError(f"{exc.filename}: cannot read ({exc.strerror})") from None
    try:
        report = json.loads(text)
    except ValueError as exc:
        raise UploadError(f"{report_path}: not JSON ({exc})") from None
    if not isinstance(report, dict):
        raise UploadError(f"{report_path}: not a report (expected a JSON object)")
    return Upload(folder, certificate, report)
