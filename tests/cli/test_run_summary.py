"""``run``'s summary where no terminal reads it: nothing folded or cut at rich's 80 columns."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest
from rich.console import Console
from support.sample_reports import make_report

from conformance.cli.consoles import LOG_WIDTH, summary_console
from conformance.cli.run_output import print_summary
from conformance.results import Outcome

LONG_REASON = (
    "no exchange met the precondition: every request that reached a secured operation was "
    "answered 401 before its content was looked at, so nothing shows how the API treats valid input"
)


def test_without_a_terminal_or_columns_the_summary_is_wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    console = summary_console()
    assert console.is_terminal or console.width == LOG_WIDTH


def test_columns_when_set_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "90")
    assert summary_console().width == 90


def test_no_requirement_id_or_reason_is_cut(tmp_path: Path) -> None:
    report = make_report({"GDI-MSG-003": Outcome.SKIPPED})
    requirements = [
        dataclasses.replace(item, reason=LONG_REASON) if item.id == "GDI-MSG-003" else item
        for item in report.requirements
    ]
    report = dataclasses.replace(report, requirements=requirements)
    stream = io.StringIO()
    print_summary(report, tmp_path / "report.json", Console(file=stream, width=LOG_WIDTH))
    rows = stream.getvalue().splitlines()
    row = next(line for line in rows if "GDI-MSG-003" in line and "│" in line)
    assert LONG_REASON in row
    for item in report.requirements:
        assert any(item.id in line and "│" in line for line in rows), item.id
