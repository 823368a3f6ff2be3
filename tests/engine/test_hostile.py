"""Hostile servers: the engine reaches a verdict on each, within its budget, never a traceback.

Each server of fixtures/hostile runs as its own process; ``gdi-conformance run`` runs as
another, exactly as a user would start it, with a time budget. The run must end within the
budget plus 10 %: the engine's own duration (report.json) by that measure, and the whole
command, measured from outside, by that measure plus the time the command takes to start at
all (``run --help``), measured just before and just after the run on the same loaded machine,
the longer of the two: the budget counts from the process's start, and this allows for what
the kernel and the test add around it.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.checkout import REPOSITORY
from support.hostile import (
    cli_startup_seconds,
    environment,
    hostile_server,
    read_report,
    run_command,
)

from conformance.results import RunReport, Verdict
from fixtures.hostile.catalog import CONTROL, HOSTILE, Hostile

pytestmark = pytest.mark.slow

SPEC = REPOSITORY / "fixtures" / "hostile" / "openapi.yaml"
MAX_TIME = 30.0
REQUEST_TIMEOUT = 1.0
MAX_RESPONSE_BYTES = 1024 * 1024  # the engine's default cap
# Another host for the redirect to point at: a second loopback address.
ELSEWHERE = "127.0.0.2"


@dataclass
class Sentinel:
    """A server on another address that counts the connections it gets."""

    origin: str
    connections: int = 0


@contextmanager
def sentinel() -> Iterator[Sentinel]:
    listener = socket.socket()
    listener.bind((ELSEWHERE, 0))
    listener.listen(16)
    listener.settimeout(0.2)
    found = Sentinel(origin=f"http://{ELSEWHERE}:{listener.getsockname()[1]}")
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            found.connections += 1
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        stop.set()
        thread.join(5)
        listener.close()


@dataclass
class Outcome:
    code: int
    seconds: float
    output: str
    report: RunReport | None
    startup: float  # the command's start-up, measured around the run (see the docstring)


def run_cli(base_url: str, report_dir: Path) -> Outcome:
    command = run_command(
        SPEC,
        base_url,
        report_dir,
        max_time=MAX_TIME,
        request_timeout=REQUEST_TIMEOUT,
        seed=20251129,
        max_examples=5,
    )
    before = cli_startup_seconds(report_dir.parent)
    started = time.monotonic()
    done = subprocess.run(
        command,
        cwd=report_dir.parent,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=MAX_TIME * 3,
    )
    seconds = time.monotonic() - started
    startup = max(before, cli_startup_seconds(report_dir.parent))
    report = read_report(report_dir)
    return Outcome(done.returncode, seconds, done.stdout + done.stderr, report, startup)


def check_verdict(hostile: Hostile, outcome: Outcome) -> None:
    assert "Traceback" not in outcome.output, outcome.output
    assert outcome.code == hostile.exit_code, outcome.output
    assert outcome.seconds <= MAX_TIME * 1.1 + outcome.startup, (
        f"{outcome.seconds:.1f}s, start-up {outcome.startup:.1f}s"
    )
    if outcome.report is not None:
        assert outcome.report.duration_s <= MAX_TIME * 1.1
    assert hostile.message in outcome.output, outcome.output
    if not hostile.report:
        assert outcome.report is None
        assert len(outcome.output.strip().splitlines()) == 1, outcome.output  # one clear message
        return
    report = outcome.report
    assert report is not None, outcome.output
    expected = {
        "passed": Verdict.CONFORMANT,
        "failed": Verdict.NOT_CONFORMANT,
        "error": Verdict.INCONCLUSIVE,
    }[hostile.outcome or ""]
    assert report.verdict is expected, report.summary
    if hostile.outcome == "error":
        unproven = report.summary.must_unproven
        assert unproven or not report.completion.complete, report.summary


def redirect_not_followed(outcome: Outcome, elsewhere: Sentinel) -> None:
    assert elsewhere.connections == 0  # no request, and so no credential, went to the other host
    assert outcome.report is not None
    titles = {
        failure.title for result in outcome.report.requirements for failure in result.failures
    }
    assert "Trailing slash redirected" in titles


def bodies_cut_at_the_cap(outcome: Outcome, elsewhere: Sentinel) -> None:
    assert outcome.report is not None
    messages = [error.message for error in outcome.report.errors]
    assert any(f"larger than the limit of {MAX_RESPONSE_BYTES} bytes" in m for m in messages)
    for result in outcome.report.requirements:
        for failure in result.failures:
            if failure.response is not None:
                assert failure.response.body_bytes <= MAX_RESPONSE_BYTES


def incomplete_after_death(outcome: Outcome, elsewhere: Sentinel) -> None:
    assert outcome.report is not None
    assert not outcome.report.completion.complete
    assert "stopped responding" in (outcome.report.completion.reason or "")


def budget_ran_out(outcome: Outcome, elsewhere: Sentinel) -> None:
    assert outcome.report is not None
    assert "time budget" in (outcome.report.completion.reason or "")
    assert outcome.report.duration_s >= MAX_TIME


# What each hostility must show besides its verdict.
SPECIFICS = {
    "redirect": redirect_not_followed,
    "huge_body": bodies_cut_at_the_cap,
    "dies": incomplete_after_death,
    "slow": budget_ran_out,
}


@pytest.mark.parametrize("hostile", [*HOSTILE, CONTROL], ids=lambda item: item.name)
def test_hostile_server_gets_a_verdict_within_the_budget(hostile: Hostile, tmp_path: Path) -> None:
    options = {"dies": ("--die-after", "15")}.get(hostile.name, ())
    with sentinel() as elsewhere:
        if hostile.name == "redirect":
            options = ("--redirect-to", elsewhere.origin)
        with hostile_server(hostile.name, *options) as base_url:
            outcome = run_cli(base_url, tmp_path / "reports")
    check_verdict(hostile, outcome)
    if hostile.name in SPECIFICS:
        SPECIFICS[hostile.name](outcome, elsewhere)
