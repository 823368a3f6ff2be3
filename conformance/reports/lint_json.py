"""Static findings as JSON: a list of objects, one per finding."""

from __future__ import annotations

import json
from collections.abc import Sequence

from conformance.lint import Finding

KEYS = ("rule", "adr", "severity", "path", "file", "line", "column", "message")


def render_json(findings: Sequence[Finding]) -> str:
    """``[{"rule", "adr", "severity", "path", "file", "line", "column", "message"}, ...]``."""
    rows = [{key: finding.as_dict()[key] for key in KEYS} for finding in findings]
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
