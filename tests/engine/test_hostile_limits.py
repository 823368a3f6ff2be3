"""Limits on everything the harness reads itself: time, memory, depth and cookies.

Each test starts a hostile server of fixtures/hostile (or writes a spec far larger than any
real API into tmp_path) and runs ``gdi-conformance run`` against it as its own process, as a
user would. Every run must end within its budget plus 10 %, measured from outside. The
budget's clock starts when the command's process does, so the only allowance on top is for
what the kernel and the test itself add around it, taken from a measurement in the same test:
the time the command takes to start at all (``run --help``: interpreter, imports, no run)
just before and just after the run, the longer of the two (``Outcome.startup``). A loaded
machine slows both alike; a fixed margin would be too wide on an idle one and too narrow on
a busy one. Peak memory is the child's own high-water resident set size (``VmHWM`` in
/proc/<pid>/status), read every 50 ms while it runs: not ``os.wait4``'s ``ru_maxrss``, which
also keeps the high-water mark of the image the child was forked from before it executed the
command, so a test worker that had grown to 330 MB made every child "peak" at 330 MB. The
child runs with an address-space limit, so that a regression fails with a MemoryError
instead of exhausting the machine.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from support.checkout import REPOSITORY
from support.hostile import (
    cli_startup_seconds,
    environment,
    hostile_process,
    hostile_server,
    read_report,
    run_command,
)

from conformance.httplimits import HttpClient
from conformance.results import RunReport
from fixtures.hostile.big_spec import write_big_spec

pytestmark = pytest.mark.slow

SPEC = REPOSITORY / "fixtures" / "hostile" / "openapi.yaml"
MAX_TIME = 10.0
MAX_RSS_BYTES = 300 * 1024 * 1024
# Far above the 300 MB the harness may use (threads reserve address space they never touch),
# far below what a runaway read would take.
ADDRESS_SPACE_LIMIT = 3 * 1024**3


@dataclass
class Outcome:
    code: int
    seconds: float
    peak_rss: int
    output: str
    report: RunReport | None
    startup: float = 0.0  # the allowance: see the module's docstring

    def within(self, budget: float) -> None:
        assert "Traceback" not in self.output, self.output[-3000:]
        # Shown with a failure (and with -s): how near the limit the run came.
        print(f"budget {budget:g}s wall {self.seconds:.1f}s start-up {self.startup:.1f}s")
        # The budget's own clock is checked exactly (the report's duration), the whole command
        # from outside with the start-up measured around it.
        assert self.seconds <= budget * 1.1 + self.startup, (
            f"{self.seconds:.1f}s, start-up {self.startup:.1f}s"
        )
        if self.report is not None:
            assert self.report.duration_s <= budget * 1.1, f"{self.report.duration_s:.1f}s"
        assert self.peak_rss <= MAX_RSS_BYTES, f"{self.peak_rss / 2**20:.0f} MB"


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))


def start_run(
    base_url: str, report_dir: Path, *, spec: Path = SPEC, max_time: float = MAX_TIME
) -> subprocess.Popen[bytes]:
    report_dir.mkdir(parents=True, exist_ok=True)
    command = run_command(
        spec,
        base_url,
        report_dir,
        max_time=max_time,
        request_timeout=1,
        seed=20251205,
        max_examples=3,
    )
    with open(report_dir / "output.txt", "wb") as output:
        return subprocess.Popen(
            command,
            cwd=report_dir,
            env=environment(),
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=_limit_address_space,
        )


def high_water_rss(pid: int) -> int:
    """The process's peak resident set size in bytes since it executed its program (0 once it
    has exited: a zombie has no memory left to report)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def finish_run(process: subprocess.Popen[bytes], report_dir: Path, timeout: float) -> Outcome:
    started = time.monotonic()
    deadline = started + timeout
    peak = 0
    while True:  # sample the child's peak memory until it ends or the deadline passes
        peak = max(peak, high_water_rss(process.pid))
        pid, status, _ = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            process.kill()
            pid, status, _ = os.wait4(process.pid, 0)
            break
        time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)
    report = read_report(report_dir)
    output = (report_dir / "output.txt").read_text(encoding="utf-8", errors="replace")
    return Outcome(process.returncode, 0.0, peak, output, report)


def run_cli(
    base_url: str, report_dir: Path, *, spec: Path = SPEC, max_time: float = MAX_TIME
) -> Outcome:
    before = cli_startup_seconds(report_dir.parent)
    started = time.monotonic()
    process = start_run(base_url, report_dir, spec=spec, max_time=max_time)
    outcome = finish_run(process, report_dir, timeout=max_time * 4)
    outcome.seconds = time.monotonic() - started
    outcome.startup = max(before, cli_startup_seconds(report_dir.parent))
    return outcome


def incomplete(outcome: Outcome) -> RunReport:
    assert outcome.code == 1, outcome.output[-3000:]
    assert outcome.report is not None, outcome.output[-3000:]
    assert not outcome.report.completion.complete
    return outcome.report


# 1. An endless body on the first request (the reachability check) and on every other one.
def test_endless_answers_are_cut_at_the_cap(tmp_path: Path) -> None:
    # A budget that a loaded machine does not exhaust before the endless answers are read.
    with hostile_server("endless") as base_url:
        outcome = run_cli(base_url, tmp_path / "reports", max_time=20.0)
    outcome.within(20.0)
    assert outcome.code == 1, outcome.output[-3000:]
    assert outcome.report is not None, outcome.output[-3000:]
    messages = [error.message for error in outcome.report.errors]
    # Cut at the size cap, or at the answer's deadline when a loaded machine reads the endless
    # body slower than the cap fills: bounded either way.
    bounded = ("larger than the limit of 1048576 bytes", "no complete answer within")
    assert any(cut in item for item in messages for cut in bounded), messages


# 2. The same answers trickled: the run ends on its own, and at a signal. A byte every quarter
# second: within the per-read timeout of these runs (1 s), as a byte a second is within the
# default one (10 s).
TRICKLE = ["--byte-every", "0.25"]


def test_a_trickled_first_answer_does_not_hold_the_run(tmp_path: Path) -> None:
    with hostile_server("trickle", *TRICKLE) as base_url:
        outcome = run_cli(base_url, tmp_path / "reports")
    outcome.within(MAX_TIME)
    assert outcome.code == 2, outcome.output
    assert "did not answer within" in outcome.output, outcome.output
    # A report all the same: nothing judged, and why.
    assert outcome.report is not None, outcome.output
    assert not outcome.report.completion.complete
    assert "the target never answered" in (outcome.report.completion.reason or "")


def test_trickled_api_answers_do_not_hold_the_run(tmp_path: Path) -> None:
    """The published document comes at once; every other answer, status line first, trickles:
    the probes and the generated cases each end at the request timeout, the run at its budget."""
    # A budget that outlasts the probes (a dozen requests, a second each), so cases are sent.
    with hostile_server("trickle", "--api-only", *TRICKLE) as base_url:
        outcome = run_cli(base_url, tmp_path / "reports", max_time=20.0)
    outcome.within(20.0)
    assert outcome.code == 1, outcome.output[-3000:]
    assert outcome.report is not None, outcome.output[-3000:]
    messages = [error.message for error in outcome.report.errors]
    assert any("no complete answer within 1s" in message for message in messages), messages


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_the_first_request_stops_the_run_with_a_report(
    signum: signal.Signals, tmp_path: Path
) -> None:
    report_dir = tmp_path / "reports"
    before = cli_startup_seconds(tmp_path)
    with hostile_process("trickle", "--announce", *TRICKLE) as (base_url, server):
        started = time.monotonic()
        process = start_run(base_url, report_dir)
        assert server.stdout is not None
        line = server.stdout.readline()  # the reachability request has reached the server
        assert line.startswith("request GET "), line
        process.send_signal(signum)
        outcome = finish_run(process, report_dir, timeout=MAX_TIME * 4)
        outcome.seconds = time.monotonic() - started
    outcome.startup = max(before, cli_startup_seconds(tmp_path))
    outcome.within(MAX_TIME)
    report = incomplete(outcome)
    assert f"interrupted ({signum.name})" in (report.completion.reason or "")


# 3. A spec too large for Schemathesis's phases: they are not executed, with the reason; the
# probes still run.
def test_a_spec_too_large_for_the_generated_phases_still_gets_its_probes(tmp_path: Path) -> None:
    spec = write_big_spec(tmp_path / "openapi.json", 5000)
    # Loading 5,000 paths takes seconds of the budget on a loaded machine: leave the probes
    # time to start, so that the test says whether they run, not how busy the machine is.
    with hostile_server("conformant") as base_url:
        outcome = run_cli(base_url, tmp_path / "reports", spec=spec, max_time=20.0)
    outcome.within(20.0)
    report = incomplete(outcome)
    phases = {phase.name: phase for phase in report.phases}
    assert phases["probes"].status != "skipped"
    for name in ("examples", "coverage", "fuzzing", "stateful"):
        assert phases[name].status == "skipped"
        assert "the spec has 5000 operations" in (phases[name].reason or ""), phases[name]


# 4. The budget holds in the fixed probes of a spec with thousands of paths, and in loading
# and judging it (20,000 paths take seconds of the budget to load on a loaded machine).
@pytest.mark.parametrize("paths", [10_000, 20_000])
def test_the_budget_holds_in_the_probes_of_a_huge_spec(paths: int, tmp_path: Path) -> None:
    spec = write_big_spec(tmp_path / "openapi.json", paths)
    with hostile_server("conformant") as base_url:
        outcome = run_cli(base_url, tmp_path / "reports", spec=spec, max_time=15.0)
    outcome.within(15.0)
    report = incomplete(outcome)
    assert "time budget" in (report.completion.reason or "")
    assert report.duration_s <= 15.0 * 1.1


# 5. Answers nested 3,000 levels deep: refused before anything parses them.
def test_deeply_nested_answers_are_refused_not_parsed(tmp_path: Path) -> None:
    with hostile_server("deep") as base_url:
        outcome = run_cli(base_url, tmp_path / "reports")
    outcome.within(MAX_TIME)
    assert outcome.code == 1, outcome.output[-3000:]
    assert outcome.report is not None
    messages = [error.message for error in outcome.report.errors]
    assert any("nests deeper than 64 levels" in message for message in messages), messages


# 6. Cookies the target sets are never sent back, and one that is not ASCII breaks nothing.
def cookies_sent(base_url: str) -> dict[str, object]:
    origin = base_url.removesuffix("/api/v1")
    with urllib.request.urlopen(f"{origin}/cookies-sent", timeout=5) as answer:
        return dict(json.loads(answer.read()))


@pytest.mark.parametrize("cookie", ["ascii", "non-ascii"])
def test_cookies_the_target_sets_are_never_sent_back(cookie: str, tmp_path: Path) -> None:
    with hostile_server("cookies", "--cookie", cookie) as base_url:
        outcome = run_cli(base_url, tmp_path / "reports")
        sent = cookies_sent(base_url)
    outcome.within(MAX_TIME)
    assert outcome.report is not None, outcome.output[-3000:]
    assert outcome.code in (0, 1), outcome.output[-3000:]
    assert sent["requests"] == 0, sent


def test_a_check_that_wants_a_session_keeps_one_jar_per_subject() -> None:
    """No jar unless a check passes one; with one, the cookie goes back on that jar's requests
    alone."""
    with (
        hostile_server("cookies", "--cookie", "ascii") as base_url,
        HttpClient(timeout=5.0, max_response_bytes=1024 * 1024) as http,
    ):
        first = http.send("GET", f"{base_url}/items")
        assert first.response is not None
        assert "session=" in (first.response.header("set-cookie") or "")
        http.send("GET", f"{base_url}/items")  # no jar given: nothing sent back
        assert cookies_sent(base_url)["requests"] == 0
        primary, secondary = httpx.Cookies(), httpx.Cookies()
        http.send("GET", f"{base_url}/items", cookies=primary)
        http.send("GET", f"{base_url}/items/1", cookies=primary)
        http.send("GET", f"{base_url}/items/2", cookies=secondary)
        sent = cookies_sent(base_url)
    assert sent["targets"] == ["GET /api/v1/items/1"], sent
