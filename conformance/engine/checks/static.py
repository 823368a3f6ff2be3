"""lint:adr inside a run: the spec under test has no error-level ADR lint finding.

A run certifies an implementation *and* its description; the static rules come from the
lint layer, so a run and ``gdi-conformance lint`` can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.engine import catalogue
from conformance.engine.checks.active import ActiveContext, Observation, active_check
from conformance.lint import Severity, lint_spec
from conformance.lint.runner import LintStopped
from conformance.results import Outcome
from conformance.spec.labels import portable_label

SHOWN_FINDINGS = 10


@active_check(catalogue.LINT_ADR)
def lint_adr(ctx: ActiveContext) -> Iterator[Observation]:
    if ctx.spec is None:
        yield Observation(
            check=catalogue.LINT_ADR,
            outcome=Outcome.ERROR,
            title="No spec to lint",
            message="the run was given a document, not a loaded spec file",
        )
        return
    try:
        findings = lint_spec(ctx.spec, stopped=lambda: ctx.stopped)
    except LintStopped:
        return  # the run's budget ran out: no verdict on half the rules
    errors = [item for item in findings if item.severity is Severity.ERROR]
    if not errors:
        yield Observation(check=catalogue.LINT_ADR, outcome=Outcome.PASSED)
        return
    shown = [
        f"{portable_label(item.file)}:{item.line}:{item.column} {item.rule} "
        f"({item.adr or 'extra rule'}): "
        f"{item.message}"
        for item in errors[:SHOWN_FINDINGS]
    ]
    more = f" (and {len(errors) - SHOWN_FINDINGS} more)" if len(errors) > SHOWN_FINDINGS else ""
    yield Observation(
        check=catalogue.LINT_ADR,
        outcome=Outcome.FAILED,
        title=f"{len(errors)} error-level ADR lint finding(s)",
        message="; ".join(shown) + more,
    )
