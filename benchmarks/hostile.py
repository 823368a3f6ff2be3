"""Benchmark: wall time and peak memory of ``gdi-conformance run`` against hostile targets.

Each case starts one server of fixtures/hostile (or the well-behaved one with a spec of
thousands of paths, written to a temporary folder) and runs ``python -m conformance run``
against it as its own process with ``--max-time BUDGET``. Per case: the budget, the wall time
measured from outside (interpreter start-up included), the child's peak resident memory (as the
kernel reports it on reaping, ``os.wait4``), the exit code, and whether report.json was
written. The control case (the well-behaved server) is the peer: each case's wall time and
memory are shown as ratios to it as well. The must-hold: wall <= budget * 1.1 plus start-up,
peak <= 300 MB, a report on disk (exit 2 only for a target that never answers).

    python benchmarks/hostile.py [--budget 20] [--case endless --case deep ...]

A measurement, not a test. Loopback only; each child runs with a 3 GB address-space limit,
so a runaway read ends in a MemoryError instead of exhausting the machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from fixtures.hostile.big_spec import write_big_spec  # noqa: E402

SPEC = REPOSITORY / "fixtures" / "hostile" / "openapi.yaml"
ADDRESS_SPACE_LIMIT = 3 * 1024**3


@dataclass(frozen=True)
class Case:
    name: str
    server: str
    options: tuple[str, ...] = ()
    paths: int = 0  # a spec of this many paths instead of the server's own
    signal_after: bool = False  # SIGINT once the server has the first request
    run_options: tuple[str, ...] = ()  # more options of the run (e.g. --workers 2)


CASES = (
    Case("control", "conformant"),
    Case("endless", "endless"),
    Case("trickle", "trickle", ("--byte-every", "0.25")),
    Case("trickle+SIGINT", "trickle", ("--byte-every", "0.25"), signal_after=True),
    Case("deep", "deep"),
    Case("cookies non-ascii", "cookies", ("--cookie", "non-ascii")),
    Case("5,000 paths", "conformant", paths=5000),
    Case("20,000 paths", "conformant", paths=20000),
    # No server at all: a closed port (the run never starts; exit 2 with a report).
    Case("unreachable", ""),
    Case("unreachable x2", "", run_options=("--workers", "2")),
)


@dataclass
class Measured:
    case: Case
    budget: float
    wall: float
    peak_mb: float
    code: int
    report: bool


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPOSITORY), env.get("PYTHONPATH", "")])
    env.update(NO_COLOR="1", COLUMNS="120")
    return env


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))


def _closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def measure(case: Case, budget: float, folder: Path) -> Measured:
    announce = ("--announce",) if case.signal_after else ()
    serve = [sys.executable, "-m", "fixtures.hostile", case.server, *case.options, *announce]
    server = subprocess.Popen(
        serve if case.server else [sys.executable, "-c", "print('listening nowhere')"],
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().split(" ", 1)[1].strip()
        if not case.server:
            base_url = _closed_port()
        spec = write_big_spec(folder / "openapi.json", case.paths) if case.paths else SPEC
        reports = folder / "reports"
        command = [sys.executable, "-m", "conformance", "run", "--spec", str(spec)]
        command += ["--base-url", base_url, "--max-time", f"{budget:g}", "--seed", "1"]
        command += ["--request-timeout", "1", "--max-examples", "5", "--report-dir", str(reports)]
        command += case.run_options
        started = time.monotonic()
        child = subprocess.Popen(
            command,
            env=_environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_limit,
        )
        if case.signal_after:
            server.stdout.readline()  # the first request has come
            child.send_signal(signal.SIGINT)
        deadline = started + budget * 5
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                child.kill()
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.05)
        wall = time.monotonic() - started
        code = os.waitstatus_to_exitcode(status)
        written = (reports / "report.json").is_file()
        return Measured(case, budget, wall, usage.ru_maxrss / 1024, code, written)
    finally:
        server.kill()
        server.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=20.0, help="--max-time of every run")
    parser.add_argument("--case", action="append", help="only these cases (by name)")
    options = parser.parse_args()
    chosen = [case for case in CASES if not options.case or case.name in options.case]
    if chosen[0].name != "control":
        chosen.insert(0, CASES[0])
    results = []
    for case in chosen:
        with tempfile.TemporaryDirectory(prefix="gdi-bench-hostile-") as folder:
            results.append(measure(case, options.budget, Path(folder)))
            print(f"measured {case.name}", file=sys.stderr, flush=True)
    control = results[0]
    header = (
        f"{'case':<18} {'budget s':>8} {'wall s':>7} {'wall/budget':>11} {'x control':>9} "
        f"{'peak MB':>8} {'x control':>9} {'exit':>4} {'report':>6}"
    )
    print(header)
    print("-" * len(header))
    for item in results:
        print(
            f"{item.case.name:<18} {item.budget:>8g} {item.wall:>7.1f} "
            f"{item.wall / item.budget:>11.2f} {item.wall / control.wall:>9.2f} "
            f"{item.peak_mb:>8.0f} {item.peak_mb / control.peak_mb:>9.2f} {item.code:>4} "
            f"{'yes' if item.report else 'no':>6}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
