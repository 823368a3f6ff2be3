"""``run --workers N`` interrupted: SIGINT or SIGTERM to the command reaches every shard process,
each reports what it ran, and the command writes the merged report marked incomplete and exits
as the docs promise (1: not proven), leaving no shard process behind. Sent to the command
alone (``kill``), or to its whole process group as a terminal's Ctrl-C is: then each shard gets
the signal twice at once, directly and forwarded by the command. A shard that dies without a
report is named, and nothing is merged (2: could not run).

The target is the tasks target answering every API request late, so the shards are mid-run
when the signal comes. That both are sending generated cases is observed, not waited for: the
target records the client port of every request Schemathesis generated (it names the case in
a header), and /proc says which shard process holds a socket on one of those ports.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support.services import serve_asgi
from tasks_target import BASE_PATH, CONFORMANCE, TARGET, TOKEN, run_arguments

from conformance.results import Verdict, read_report

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/net/tcp").exists(), reason="reads Linux's /proc"),
]

DELAY = 0.2  # seconds before each API answer: well under the request timeout
CASE_HEADER = b"x-schemathesis-testcaseid"  # on every request Schemathesis generates
STARTUP = 120.0  # seconds for both shards to start and send (two loaded cores)
WIND_DOWN = 60.0  # seconds from the signal to the command's exit


class SlowTarget:
    """An ASGI app answering every API request ``delay`` seconds late (the published document
    at once); it remembers the client port of every generated case."""

    def __init__(self, app: Any, delay: float) -> None:
        self.app = app
        self.delay = delay
        self._ports: set[int] = set()
        self._lock = threading.Lock()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not scope["path"].endswith("/openapi.json"):
            client = scope.get("client")
            if client and any(name == CASE_HEADER for name, _ in scope["headers"]):
                with self._lock:
                    self._ports.add(int(client[1]))
            await asyncio.sleep(self.delay)
        await self.app(scope, receive, send)

    def client_ports(self) -> set[int]:
        with self._lock:
            return set(self._ports)


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (command)": state, ppid, ...
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie (an exited process not yet reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _local_ports(pid: int) -> set[int]:
    """The local ports of the TCP sockets process ``pid`` holds open."""
    inodes = set()
    try:
        descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return set()
    for descriptor in descriptors:
        try:
            target = os.readlink(descriptor)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()  # sl local_address rem_address st ... uid timeout inode
            if fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def _shards_sending(process: subprocess.Popen[str], target: SlowTarget) -> list[int]:
    """The two shard processes, once each holds a socket it sent a generated case on."""
    deadline = time.monotonic() + STARTUP
    while True:
        assert process.poll() is None, process.communicate()
        children = _children(process.pid)
        seen = target.client_ports()
        if len(children) == 2 and all(_local_ports(child) & seen for child in children):
            return children
        assert time.monotonic() < deadline, f"shards {children} did not both send cases"
        time.sleep(0.1)


@dataclass
class Ended:
    code: int
    stdout: str
    stderr: str
    took: float  # seconds from the end of ``act`` to the command's exit
    shards: dict[int, int]  # shard index -> pid


def _shard_indexes(pids: list[int]) -> dict[int, int]:
    found = {}
    for pid in pids:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        found[int(argv[argv.index(b"--shard") + 1].split(b"/")[0])] = pid
    return found


def _run_interrupted(
    tmp_path: Path, act: Callable[[subprocess.Popen[str], dict[int, int]], None]
) -> Ended:
    """Start ``run --workers 2`` against the slow target, ``act`` once both shards send
    generated cases, and wait (a bounded time) for the command to end."""
    target = SlowTarget(TARGET.create_app(tokens=(TOKEN,)), DELAY)
    options = ["--max-examples", "5000", "--seed", "5", "--workers", "2"]
    options += ["--report-dir", str(tmp_path / "out")]
    with serve_asgi(target) as origin:
        process = subprocess.Popen(
            [*CONFORMANCE, *run_arguments(origin + BASE_PATH, *options)],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
            start_new_session=True,  # a process group of its own, as a terminal gives a command
        )
        try:
            shards = _shard_indexes(_shards_sending(process, target))
            act(process, shards)
            acted = time.monotonic()
            stdout, stderr = process.communicate(timeout=WIND_DOWN)
            took = time.monotonic() - acted
        finally:
            with contextlib.suppress(ProcessLookupError):  # the shards too, should they hang
                os.killpg(process.pid, signal.SIGKILL)
            if process.poll() is None:
                process.communicate()
    return Ended(process.returncode, stdout, stderr, took, shards)


@pytest.mark.parametrize("to_group", [False, True], ids=["command", "process-group"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_reaches_every_shard_and_the_merged_report_is_incomplete(
    signum: signal.Signals, to_group: bool, tmp_path: Path
) -> None:
    def interrupt(process: subprocess.Popen[str], shards: dict[int, int]) -> None:
        if to_group:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)

    ended = _run_interrupted(tmp_path, interrupt)
    assert ended.code == 1, ended.stderr
    assert ended.took < WIND_DOWN
    left = [pid for pid in ended.shards.values() if _running(pid)]
    assert not left, "a shard process outlived the command"
    report = read_report(tmp_path / "out" / "report.json")
    assert report.budget.workers == 2
    assert not report.completion.complete
    name = signal.Signals(signum).name
    assert report.completion.reason == (
        f"shard 1 of 2: interrupted ({name}); shard 2 of 2: interrupted ({name})"
    )
    assert report.verdict is Verdict.INCONCLUSIVE
    assert "NOT PROVEN" in ended.stdout
    assert TOKEN not in ended.stdout + ended.stderr


def test_a_shard_that_dies_is_named_and_nothing_is_merged(tmp_path: Path) -> None:
    def kill_shard_2_then_interrupt(process: subprocess.Popen[str], shards: dict[int, int]) -> None:
        os.kill(shards[2], signal.SIGKILL)  # as the kernel's OOM killer would
        deadline = time.monotonic() + WIND_DOWN
        while _running(shards[2]) and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)  # shard 1 would otherwise test on and on

    ended = _run_interrupted(tmp_path, kill_shard_2_then_interrupt)
    assert ended.code == 2, ended.stderr
    assert "shard 2/2 ended without a report (exit code -9)" in ended.stderr
    assert "Traceback" not in ended.stderr
    assert not (tmp_path / "out" / "report.json").exists()
    assert not _running(ended.shards[1])
