"""``certify`` in a log without a terminal (CI): a line per block phase, and a summary table
that is not cut at 80 columns."""

from __future__ import annotations

import dataclasses
import io
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console
from support.sample_reports import make_report

from conformance.cli.certify_blocks import (
    BlockResult,
    PhaseLines,
    Settings,
    _listener,
    print_summary,
    progress_bars,
)
from conformance.cli.consoles import summary_console
from conformance.cli.run_options import RunOptions
from conformance.engine.fuzzing.collector import Progress as EngineProgress
from conformance.reports.certification import certify
from conformance.results import Outcome


def log_console() -> tuple[Console, io.StringIO]:
    stream = io.StringIO()
    return Console(file=stream, force_terminal=False), stream


def test_a_line_per_block_phase_without_a_terminal() -> None:
    console, stream = log_console()
    progress = progress_bars(console)
    assert isinstance(progress, PhaseLines)
    with progress:
        task = progress.add_task("messaging", total=9, phase="starting")
        update = _listener(progress, task)
        for kind, phase in [
            ("phase-started", "probes"),
            ("phase-started", "probes"),  # a probe per check: still one phase
            ("operation-done", "probes"),
            ("phase-started", "examples"),
            ("operation-done", "examples"),
            ("phase-started", "fuzzing"),
        ]:
            update(EngineProgress(kind=kind, phase=phase))
        progress.update(task, completed=9, phase="certified")
    lines = stream.getvalue().splitlines()
    assert [line.split()[-1] for line in lines] == [
        "starting",
        "probes",
        "examples",
        "fuzzing",
        "certified",
    ]
    assert all(line.startswith("messaging ") for line in lines)


def test_the_summary_in_a_log_keeps_every_column(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    report = make_report({"GDI-MSG-010": Outcome.FAILED})  # a SHOULD: certified with remarks
    report = dataclasses.replace(report, run_id=str(uuid.uuid4()))
    certification = certify(report)
    results = [BlockResult("messaging", report, certification, tmp_path / "messaging")]
    options = RunOptions.of(seed=1, max_examples=1, request_timeout=5.0)
    settings = Settings(tmp_path, Ed25519PrivateKey.generate(), None, [], options)
    console = summary_console()
    assert console.width >= 120 or console.is_terminal
    stream = io.StringIO()
    wide = Console(file=stream, width=console.width)
    print_summary(results, settings, None, wide)
    row = next(line for line in stream.getvalue().splitlines() if "messaging" in line)
    assert "seed:        1" in stream.getvalue()  # so that --seed repeats the certification
    assert "certified with remarks" in row and "…" not in row
    for column in ("MUST failed", "not executed", "cases", "time"):
        assert column in stream.getvalue()
