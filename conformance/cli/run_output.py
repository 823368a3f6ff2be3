"""What ``gdi-conformance run`` shows: live progress on stderr, the summary on stdout."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from conformance.cli.consoles import summary_console
from conformance.engine.fuzzing.collector import Progress
from conformance.results import Outcome, RunReport, Verdict

OUTCOME_STYLES = {
    Outcome.PASSED: "green",
    Outcome.FAILED: "bold red",
    Outcome.ERROR: "red",
    Outcome.SKIPPED: "yellow",
    Outcome.NOT_APPLICABLE: "dim",
}
VERDICT_TEXT = {
    Verdict.CONFORMANT: ("CONFORMANT", "bold green"),
    Verdict.NOT_CONFORMANT: ("NOT CONFORMANT", "bold red"),
    Verdict.INCONCLUSIVE: ("NOT PROVEN", "bold yellow"),
    Verdict.PARTIAL: ("PARTIAL", "bold"),
}


class ProgressDisplay:
    """A one-line live status on a terminal; one line per finished phase otherwise."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.phase = "starting"
        self.operations = 0
        self.cases = 0
        self.failures = 0
        self._live: Live | None = None

    def __enter__(self) -> ProgressDisplay:
        if self.console.is_terminal:
            self._live = Live(self._render(), console=self.console, transient=True)
            self._live.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.__exit__(kind, value, traceback)
            self._live = None

    def _render(self) -> Text:
        return Text(
            f"{self.phase}: {self.operations} operation runs, {self.cases} requests, "
            f"{self.failures} failures"
        )

    def update(self, progress: Progress) -> None:
        if progress.kind == "phase-started":
            self.phase = progress.phase
        elif progress.kind == "operation-done":
            self.operations += 1
            self.cases += progress.cases
            self.failures += progress.failures
        elif progress.kind == "probe-done":
            self.failures += progress.failures
            if self._live is None:
                self.console.print(
                    f"probe {progress.operation}: {progress.failures} failure(s)", highlight=False
                )
        elif progress.kind == "phase-finished" and self._live is None:
            self.console.print(
                f"phase {progress.phase}: {progress.status} "
                f"({self.cases} requests, {self.failures} failures so far)",
                highlight=False,
            )
        if self._live is not None:
            self._live.update(self._render())


OUTCOME_TEXT = {Outcome.SKIPPED: "not executed", Outcome.NOT_APPLICABLE: "not applicable"}


def _note(report: RunReport, index: int) -> str:
    result = report.requirements[index]
    if result.vendor_independent:
        return "a property of the profile, the same for every implementation: not scored"
    if result.failures:
        first = result.failures[0]
        more = len(result.failures) - 1
        where = f" ({first.operation})" if first.operation else ""
        return f"{first.title}{where}" + (f" +{more} more" if more else "")
    if result.exceptions_applied:
        return "exception " + ", ".join(item.id for item in result.exceptions_applied)
    return result.reason or ""


def print_summary(report: RunReport, path: Path, console: Console | None = None) -> None:
    console = console or summary_console()
    table = Table(title=f"{report.profile.name} profile {report.profile.version}", expand=False)
    for column in ("requirement", "level", "outcome", "cases", "evidence", "note"):
        table.add_column(column, overflow="fold")
    for index, result in enumerate(report.requirements):
        outcome = OUTCOME_TEXT.get(result.outcome, result.outcome.value)
        table.add_row(
            result.id,
            result.level.value,
            Text(outcome, style=OUTCOME_STYLES[result.outcome]),
            str(result.cases),
            str(result.evidence_cases),
            _note(report, index),
        )
    console.print(table)
    for result in report.requirements:
        if result.outcome is Outcome.SKIPPED and result.level.value == "MUST":
            console.print(
                f"not executed: {result.id}: {result.reason or 'skipped'}",
                style="yellow",
                highlight=False,
                soft_wrap=True,
            )
    counts = ", ".join(f"{count} {name}" for name, count in report.summary.requirements.items())
    console.print(f"requirements: {counts}", highlight=False)
    if not report.completion.complete:
        reason = report.completion.reason
        console.print(f"incomplete run: {reason}", style="yellow", highlight=False)
    text, style = VERDICT_TEXT[report.verdict]
    if report.part is not None:
        found = "a MUST failed in this part" if report.found_failure else "no failure in this part"
        text = f"{report.part.upper()}: {found}; merge all parts for the verdict"
    console.print(Text(text, style=style), f"- seed {report.seed}, run {report.run_id}")
    console.print(f"report: {path}", highlight=False)
