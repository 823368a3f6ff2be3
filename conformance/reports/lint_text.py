"""Human-readable static findings: one line per finding and a summary line.

Findings of our own rules (``gdi:*``) follow those of the official ruleset, under their own
heading, and are counted apart: they count for no ADR verdict.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from conformance.lint.findings import Finding, Severity

EXTRAS_HEADING = "Extra rules (gdi:*, not in the official ADR ruleset; no part of the verdict):"


def render_text(findings: Sequence[Finding], *, files: Sequence[str] = ()) -> str:
    """``file:line:col severity rule message path`` per finding, then a count per severity."""
    adr = [f for f in findings if not f.extra]
    extras = [f for f in findings if f.extra]
    lines = [_line(f) for f in adr]
    if adr:
        lines.append(_summary(adr))
    else:
        checked = f" in {', '.join(files)}" if files else ""
        lines.append(f"No problems found{checked}.")
    if extras:
        lines += ["", EXTRAS_HEADING, *(_line(f) for f in extras), "extras: " + _summary(extras)]
    return "\n".join(lines) + "\n"


def _line(f: Finding) -> str:
    return f"{f.file}:{f.line}:{f.column} {f.severity.value} {f.rule} {f.message}" + (
        f" {f.path}" if f.path else ""
    )


def _summary(findings: Sequence[Finding]) -> str:
    counts = Counter(f.severity for f in findings)
    total = len(findings)
    return (
        f"{total} problem{'s' if total != 1 else ''} ("
        + ", ".join(f"{counts[level]} {_plural(level, counts[level])}" for level in Severity)
        + ")"
    )


def _plural(level: Severity, count: int) -> str:
    word = {"error": "error", "warning": "warning", "info": "info", "hint": "hint"}[level.value]
    return word if count == 1 else word + "s"
