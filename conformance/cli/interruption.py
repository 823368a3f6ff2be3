"""SIGINT/SIGTERM stop a run gracefully: the engine winds down and the report so far is written.

The signal handler only queues the signal; a thread of its own stops the run. A handler that
stopped the run itself would take ``RunControl``'s locks (and Schemathesis's) in the main
thread, in the middle of whatever the main thread was doing: a second signal arriving while the
first one is handled (a terminal's Ctrl-C reaches every process of its group, and ``run
--workers N`` forwards the signal to its shard processes as well, so each gets two at once),
or one arriving while the main thread holds such a lock, would then wait on a lock its own
thread holds, forever. ``queue.SimpleQueue.put`` is reentrant, so it is safe in a handler.
"""

from __future__ import annotations

import queue
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from conformance.engine import RunControl

SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stop_on_signals(control: RunControl) -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM stop ``control``'s run with the reason
    ``interrupted (SIGINT)`` (or SIGTERM); the previous handlers are restored after it."""
    received: queue.SimpleQueue[int | None] = queue.SimpleQueue()

    def watch() -> None:
        while (signum := received.get()) is not None:
            control.stop(f"interrupted ({signal.Signals(signum).name})")

    def handler(signum: int, frame: FrameType | None) -> None:
        received.put(signum)

    watcher = threading.Thread(target=watch, name="gdi-conformance-signals", daemon=True)
    watcher.start()
    previous = {sig: signal.signal(sig, handler) for sig in SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
        received.put(None)
        watcher.join()
