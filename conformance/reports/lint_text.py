"""Human-readable static findings: one line per finding and a summary line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from conformance.lint import Finding, Severity


def render_text(findings: Sequence[Finding], *, files: Sequence[str] = ()) -> str:
    """``file:line:col severity rule message path`` per finding, then a count per severity."""
    lines = [
        f"{f.file}:{f.line}:{f.column} {f.severity.value} {f.rule} {f.message}"
        + (f" {f.path}" if f.path else "")
        for f in findings
    ]
    counts = Counter(f.severity for f in findings)
    if findings:
        total = len(findings)
        lines.append(
            f"{total} problem{'s' if total != 1 else ''} ("
            + ", ".join(f"{counts[level]} {_plural(level, counts[level])}" for level in Severity)
            + ")"
        )
    else:
        checked = f" in {', '.join(files)}" if files else ""
        lines.append(f"No problems found{checked}.")
    return "\n".join(lines) + "\n"


def _plural(level: Severity, count: int) -> str:
    word = {"error": "error", "warning": "warning", "info": "info", "hint": "hint"}[level.value]
    return word if count == 1 else word + "s"
