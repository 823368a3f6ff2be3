"""The hostile servers of fixtures/hostile and ``gdi-conformance`` as child processes.

``hostile_server(name, *options)`` starts one server as its own process on a free port and
yields its base URL once it has said ``ready <url>`` (``hostile_process`` yields the process too,
to read what an ``--announce`` server reports). ``environment()`` is the environment of every
such child: the checkout's fixtures importable, colour off, a fixed width, output unbuffered.

``cli_startup_seconds(cwd)`` is how long ``python -m conformance run --help`` takes on this
machine now (the imports, no run): tests that hold a command to a time budget measured from
outside allow for it, since the budget's own clock starts only once the package is imported.
``run_command(...)`` is the ``gdi-conformance run`` command line these tests start, with its
budgets. ``read_report(report_dir)`` is the run's report.json, validated, or None when there
is none.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conformance.results import RunReport, validate_report
from support.checkout import importable_fixtures


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [importable_fixtures(), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    )
    env.update(NO_COLOR="1", COLUMNS="120", PYTHONUNBUFFERED="1")
    return env


@contextmanager
def hostile_process(name: str, *options: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """(base URL, process) of the hostile server ``name``; killed at the end."""
    command = [sys.executable, "-m", "fixtures.hostile", name, "--port", "0", *options]
    process = subprocess.Popen(
        command,
        cwd=importable_fixtures(),
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # the server's first line; EOF when it died first
        assert line.startswith("ready "), f"{name} did not start: {line!r}"
        yield line.split(" ", 1)[1].strip(), process
    finally:
        process.kill()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


@contextmanager
def hostile_server(name: str, *options: str) -> Iterator[str]:
    """Base URL of the hostile server ``name``, running in its own process."""
    with hostile_process(name, *options) as (base_url, _process):
        yield base_url


def cli_startup_seconds(cwd: Path) -> float:
    """How long ``python -m conformance run --help`` takes: imports, no run."""
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--help"],
        cwd=cwd,
        env=environment(),
        capture_output=True,
        check=True,
    )
    return time.monotonic() - started


def read_report(report_dir: Path) -> RunReport | None:
    """The run's report.json, validated against its schema; None when the run wrote none."""
    path = report_dir / "report.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    validate_report(data)
    return RunReport.from_dict(data)


def run_command(
    spec: Path,
    base_url: str,
    report_dir: Path,
    *,
    max_time: float,
    request_timeout: float,
    seed: int,
    max_examples: int,
) -> list[str]:
    """``python -m conformance run`` against ``base_url``, as a user would start it."""
    return [
        sys.executable,
        "-m",
        "conformance",
        "run",
        "--spec",
        str(spec),
        "--base-url",
        base_url,
        "--max-time",
        f"{max_time:g}",
        "--request-timeout",
        f"{request_timeout:g}",
        "--seed",
        str(seed),
        "--max-examples",
        str(max_examples),
        "--report-dir",
        str(report_dir),
    ]
