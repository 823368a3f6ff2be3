"""The run's time budget: when it began, and the timer that stops the run when it is spent."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from conformance.engine.config import RunConfig
from conformance.engine.running.control import RunControl

# The budget includes assembling and writing the report, which the engine cannot cut short:
# for a spec of thousands of operations that takes seconds (about 0.25 ms per operation
# measured, 5,000 operations on two loaded cores), so testing stops that much earlier.
REPORT_SECONDS_PER_OPERATION = 0.0004
_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Clock:
    started_at: str  # wall clock, for the report
    started: float  # time.monotonic() when the budget began

    @classmethod
    def start(cls, budget_started: float | None) -> Clock:
        return cls(now(), budget_started or time.monotonic())


def report_reserve(config: RunConfig) -> float:
    """Seconds of the budget kept for the report (at most half of it)."""
    if config.max_time is None:
        return 0.0
    paths = config.spec.bundled.get("paths")
    items = paths.values() if isinstance(paths, dict) else ()
    count = sum(len(_METHODS.intersection(item)) for item in items if isinstance(item, dict))
    return min(count * REPORT_SECONDS_PER_OPERATION, config.max_time / 2)


# Each finding the run records (a tally: a check on an operation) adds to the report too: a
# probe that fails on every one of 5,000 operations made the report 10 MB and its writing
# seconds (0.35 ms per tally measured, loaded), so the stop comes earlier as they grow
# beyond what a run of an API of ordinary size records.
REPORT_SECONDS_PER_TALLY = 0.001
TALLIES_WITHOUT_RESERVE = 1000
_POLL_S = 0.1


@dataclass(slots=True)
class BudgetWatch:
    """What the budget's watcher keeps reserving time for while the run goes on."""

    tallies: Callable[[], int] = lambda: 0  # the findings recorded so far


@contextlib.contextmanager
def budget_timer(config: RunConfig, control: RunControl, started: float) -> Iterator[BudgetWatch]:
    """Within the block, ``control`` is stopped when the budget (less the report's reserve,
    which grows with what the run records: see ``BudgetWatch``) is spent."""
    watch = BudgetWatch()
    if config.max_time is None:
        yield watch
        return
    max_time = config.max_time
    deadline = started + max_time - report_reserve(config)
    done = threading.Event()

    def run_out() -> None:
        while not done.wait(_POLL_S):
            beyond = max(watch.tallies() - TALLIES_WITHOUT_RESERVE, 0)
            reserve = min(beyond * REPORT_SECONDS_PER_TALLY, max_time / 4)
            if time.monotonic() >= deadline - reserve:
                control.stop(f"the time budget of {max_time:g}s ran out")
                return

    watcher = threading.Thread(target=run_out, name="budget", daemon=True)
    watcher.start()
    try:
        yield watch
    finally:
        done.set()
