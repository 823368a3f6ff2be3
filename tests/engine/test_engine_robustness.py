"""Determinism, budgets, interruption, unreachable targets, size caps, redaction."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from support.services import serve_asgi
from tasks_target import (
    BASE_PATH,
    CONFORMANCE,
    TARGET,
    TARGET_DIR,
    TOKEN,
    RunTarget,
    credentials,
    run_arguments,
    serve_tasks,
)

from conformance.cli import main as cli_main
from conformance.engine.running.errors import TargetUnreachable
from conformance.engine.running.runner import RunConfig, RunControl, run
from conformance.results import (
    REDACTED,
    Outcome,
    RunReport,
    Verdict,
    read_report,
    validate_report,
)

SPEC = str(TARGET_DIR / "openapi.yaml")


def _received(tasks_spec, seed: int, tmp_path: Path) -> tuple[Counter, dict]:
    with serve_tasks() as (base_url, app):
        report = run(
            RunConfig(
                spec=tasks_spec,
                base_url=base_url,
                subjects=credentials(),
                seed=seed,
                max_examples=5,
                hypothesis_dir=tmp_path / "hypothesis",
            )
        )
    outcomes = {result.id: result.outcome for result in report.requirements}
    return Counter(app.received), outcomes


@pytest.mark.slow
def test_same_seed_sends_the_same_requests(tasks_spec, tmp_path: Path) -> None:
    first, first_outcomes = _received(tasks_spec, 99, tmp_path)
    second, second_outcomes = _received(tasks_spec, 99, tmp_path)
    assert sum(first.values()) > 100
    assert first == second
    assert first_outcomes == second_outcomes


@pytest.mark.slow
def test_another_seed_sends_other_requests(tasks_spec, tmp_path: Path) -> None:
    first, _ = _received(tasks_spec, 1, tmp_path)
    second, _ = _received(tasks_spec, 2, tmp_path)
    assert first != second


def _closed_port_url() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/tasks/v1"


def test_unreachable_target_is_detected_before_testing(tasks_spec) -> None:
    started = time.monotonic()
    with pytest.raises(TargetUnreachable, match="cannot reach"):
        run(RunConfig(spec=tasks_spec, base_url=_closed_port_url(), subjects=credentials()))
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("workers", [1, 2], ids=["one-process", "workers-2"])
def test_cli_unreachable_target_exits_2_fast(tmp_path: Path, capsys, workers: int) -> None:
    """With --workers N as with one process: exit 2 and the report of a run that never
    started (no shard process is started for a target that does not answer)."""
    started = time.monotonic()
    code = cli_main(
        ["run", "--spec", SPEC, "--base-url", _closed_port_url(), "--report-dir", str(tmp_path),
         "--workers", str(workers)]
    )  # fmt: skip
    assert code == 2
    assert "unreachable" in capsys.readouterr().err
    assert time.monotonic() - started < 10
    # Every run leaves a report: here one of nothing judged, and why.
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    validate_report(data)
    report = RunReport.from_dict(data)
    assert not report.completion.complete
    assert "the target never answered" in (report.completion.reason or "")
    assert report.verdict is not Verdict.CONFORMANT
    assert report.budget.workers == workers
    judged = [item for item in report.requirements if not item.vendor_independent]
    assert judged
    for requirement in judged:
        assert requirement.outcome is Outcome.SKIPPED, requirement
        assert "the target never answered" in (requirement.reason or ""), requirement


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--spec", "missing.yaml"], "cannot use the spec"),
        (["--bb", "no-such-block"], "no-such-block"),
        (["--spec", SPEC, "--header", "no colon"], "expected 'Name: value'"),
        (["--spec", SPEC, "--client", "x"], "go together"),
        (["--spec", SPEC, "--header", "A: b", "--token-command", "echo x"], "one credential"),
    ],
)
def test_cli_bad_input_exits_2_with_one_message(arguments, message, capsys) -> None:
    code = cli_main(["run", *arguments, "--base-url", "http://127.0.0.1:9/x/v1"])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_cli_bad_number_is_an_argument_error(capsys) -> None:
    code = cli_main(["run", "--spec", SPEC, "--base-url", "http://x/v1", "--max-examples", "0"])
    assert code == 2
    assert "positive" in capsys.readouterr().err


@pytest.mark.slow
def test_max_time_budget_is_enforced(run_target: RunTarget) -> None:
    started = time.monotonic()
    report = run_target(max_examples=5000, max_time=3)
    elapsed = time.monotonic() - started
    assert elapsed < 3 + 15  # the budget plus at most one request timeout and the wind-down
    assert not report.completion.complete
    assert "time budget" in (report.completion.reason or "")
    assert report.verdict is Verdict.INCONCLUSIVE


@pytest.mark.slow
def test_stop_from_another_thread_gives_an_incomplete_report(tasks_spec, tmp_path: Path) -> None:
    control = RunControl()
    with serve_tasks() as (base_url, _app):
        timer = threading.Timer(1.5, control.stop, args=("interrupted (test)",))
        timer.start()
        report = run(
            RunConfig(
                spec=tasks_spec,
                base_url=base_url,
                subjects=credentials(),
                seed=3,
                max_examples=5000,
                hypothesis_dir=tmp_path / "h",
            ),
            control=control,
        )
    assert not report.completion.complete
    assert report.completion.reason == "interrupted (test)"
    assert report.verdict is not Verdict.CONFORMANT


@pytest.mark.slow
def test_sigint_mid_run_writes_an_incomplete_report(tmp_path: Path) -> None:
    with serve_tasks() as (base_url, _app):
        options = ["--max-examples", "5000", "--seed", "5", "--report-dir", str(tmp_path / "out")]
        command = [*CONFORMANCE, *run_arguments(base_url, *options)]
        env = {**os.environ, "NO_COLOR": "1"}
        process = subprocess.Popen(
            command,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert process.stderr is not None
        lines: list[str] = []
        for line in process.stderr:  # progress lines; coverage finishes before fuzzing starts
            lines.append(line)
            if line.startswith("phase coverage"):
                break
        time.sleep(1.0)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 1, stderr
    report = read_report(tmp_path / "out" / "report.json")
    assert not report.completion.complete
    assert report.completion.reason == "interrupted (SIGINT)"
    assert report.summary.cases > 0
    assert "NOT PROVEN" in stdout
    assert TOKEN not in stdout + stderr + "".join(lines)


@pytest.mark.slow
def test_oversized_responses_are_errors_not_crashes(run_target: RunTarget) -> None:
    report = run_target(max_response_bytes=120, phases=("coverage",))
    assert any("larger than" in error.message for error in report.errors)
    assert report.completion.complete
    # Requirements judged on those responses cannot be proven.
    assert report.requirement("GDI-GEN-009").outcome in (Outcome.ERROR, Outcome.FAILED)
    assert report.verdict is not Verdict.CONFORMANT


@pytest.mark.slow
def test_no_secret_in_any_output(tmp_path: Path, capsys) -> None:
    token_file = tmp_path / "token.txt"
    token_file.write_text(TOKEN + "\n")
    with serve_tasks("echo-secrets") as (base_url, _app):
        code = cli_main(
            [
                "run",
                "--spec",
                SPEC,
                "--base-url",
                base_url,
                "--token-command",
                f"cat {token_file}",
                "--max-examples",
                "3",
                "--seed",
                "11",
                "--report-dir",
                str(tmp_path / "out"),
            ]
        )
    captured = capsys.readouterr()
    text = (tmp_path / "out" / "report.json").read_text()
    assert code == 1
    failures = json.loads(text)["requirements"]
    echoed = [
        failure
        for requirement in failures
        for failure in requirement["failures"]
        if failure["title"] == "Error response echoes the credential"
    ]
    assert echoed, "the echoing target must be caught"
    assert echoed[0]["request"]["headers"]["Authorization"] == REDACTED
    assert REDACTED in echoed[0]["response"]["body"]
    assert TOKEN not in text
    assert TOKEN not in captured.out + captured.err


class _SlowRecording:
    """The tasks target answering every generated case late; remembers which cases it answered."""

    def __init__(self, app: object, delay: float) -> None:
        self.app = app
        self.delay = delay
        self.answered: set[str] = set()

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        case = dict(scope.get("headers", [])).get(b"x-schemathesis-testcaseid")
        await self.app(scope, receive, send)  # type: ignore[operator]
        if case is not None:
            await asyncio.sleep(self.delay)  # after answering: the case was sent and judged
            self.answered.add(case.decode())


@pytest.mark.slow
def test_a_stop_keeps_the_cases_already_sent_and_their_failures(tasks_spec, tmp_path) -> None:
    """Stopped mid-operation, the run still reports every generated case the target answered
    and what the checks found in them (an interrupted Schemathesis drops the scenario in
    progress; the engine winds it down instead)."""
    control = RunControl()
    target = TARGET.create_app(flaws=("missing-version-header",), tokens=(TOKEN,))
    slow = _SlowRecording(target, delay=0.1)
    with serve_asgi(slow) as origin:

        def stop_after_some_cases() -> None:
            deadline = time.monotonic() + 120
            while len(slow.answered) < 8 and time.monotonic() < deadline:
                time.sleep(0.05)
            control.stop("interrupted (test)")

        stopper = threading.Thread(target=stop_after_some_cases)
        stopper.start()
        report = run(
            RunConfig(
                spec=tasks_spec,
                base_url=origin + BASE_PATH,
                subjects=credentials(),
                seed=3,
                max_examples=5000,
                phases=("coverage",),
                hypothesis_dir=tmp_path / "h",
            ),
            control=control,
        )
        stopper.join()
    assert report.completion.reason == "interrupted (test)"
    answered = len(slow.answered)
    assert answered >= 8
    assert answered - 1 <= report.summary.cases <= answered + 1  # at most the case in flight
    failures = report.requirement("GDI-GEN-001").failures
    assert any(failure.phase == "coverage" for failure in failures), failures
    coverage = {phase.name: phase for phase in report.phases}["coverage"]
    assert coverage.status == "failed"  # cut short, and what it found stays found
