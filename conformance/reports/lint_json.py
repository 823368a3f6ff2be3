"""Static findings as JSON: a list of objects, one per finding."""

from __future__ import annotations

import json
from collections.abc import Sequence

from conformance.lint.findings import Finding

KEYS = ("rule", "adr", "severity", "path", "file", "line", "column", "message", "extra")


def render_json(findings: Sequence[Finding]) -> str:
    """``[{"rule", "adr", "severity", "path", "file", "line", "column", "message", "extra"}]``;
    ``extra`` is true for our own rules (``gdi:*``), which count for no ADR verdict."""
    rows = [{key: finding.as_dict()[key] for key in KEYS} for finding in findings]
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
