"""A command's time budget counts from its process's start, interpreter start-up included."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.slow  # each test starts a Python process

# The kernel records a process's start in clock ticks (10 ms on Linux), from a clock read
# cheaply at fork: measured up to 30 ms off the monotonic clock; nothing a budget minds.
SLACK_S = 0.1


def test_the_start_is_when_the_process_began_not_when_the_package_was_imported() -> None:
    before = time.monotonic()
    child = subprocess.run(
        [sys.executable, "-c", "from conformance.cli import process_started as p; print(p())"],
        capture_output=True,
        text=True,
        check=True,
    )
    after = time.monotonic()
    started = float(child.stdout)
    assert before - SLACK_S <= started <= after


def test_a_process_older_than_a_command_counts_from_now() -> None:
    """main() within a long-running program (older than any start-up) counts from its call."""
    code = (
        "import time; import conformance.cli as cli; cli._OWN_PROCESS_AGE_S = 0.0; "
        "time.sleep(0.1); now = time.monotonic(); print(cli.process_started() - now)"
    )
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(child.stdout) >= 0.0
