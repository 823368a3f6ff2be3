"""The run's time budget: when it began, and the timer that stops the run when it is spent."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
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


@contextlib.contextmanager
def budget_timer(config: RunConfig, control: RunControl, started: float) -> Iterator[None]:
    """Within the block, ``control`` is stopped when the budget (less the report's reserve)
    is spent."""
    if config.max_time is None:
        yield
        return
    remaining = max(config.max_time - report_reserve(config) - (time.monotonic() - started), 0.0)
    timer = threading.Timer(
        remaining, control.stop, args=(f"the time budget of {config.max_time:g}s ran out",)
    )
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
