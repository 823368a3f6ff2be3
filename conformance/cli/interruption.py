"""SIGINT/SIGTERM stop a run gracefully: the engine winds down and the report so far is written.

The signal handler only queues the signal; a thread of its own stops the run. A handler that
stopped the run itself would take ``RunControl``'s locks (and Schemathesis's) in the main
thread, in the middle of whatever the main thread was doing: a second signal arriving while the
first one is handled (a terminal's Ctrl-C reaches every process of its group, and ``run
--workers N`` forwards the signal to its shard processes as well, so each gets two at once),
or one arriving while the main thread holds such a lock, would then wait on a lock its own
thread holds, forever. ``queue.SimpleQueue.put`` is reentrant, so it is safe in a handler.

A signal can also come before the run has a control to stop: while the command is still
importing and reading its spec (``run --workers N`` starts its shards and forwards a Ctrl-C to
them at once). ``queue_early_signals`` keeps such signals from the first moment, and
``stop_on_signals`` stops the run with them as soon as it starts: the command still writes a
report, marked incomplete, instead of dying with a traceback.
"""

from __future__ import annotations

import queue
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the engine is heavy to import, and early signals must be queued at once
    from conformance.engine.running.control import RunControl

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_early: queue.SimpleQueue[int] = queue.SimpleQueue()
_before_early: dict[int, Any] = {}  # the handlers queue_early_signals replaced


def _queue_early(signum: int, frame: FrameType | None) -> None:
    _early.put(signum)


def queue_early_signals() -> None:
    """From now on, SIGINT and SIGTERM are kept for the run's ``stop_on_signals`` to act on."""
    for sig in SIGNALS:
        previous = signal.signal(sig, _queue_early)
        if previous is not _queue_early:
            _before_early[sig] = previous


def take_early_signals() -> list[int]:
    """The signals kept so far (and no longer kept), for a command to act on itself."""
    taken = []
    while not _early.empty():
        taken.append(_early.get())
    return taken


def release_early_signals() -> None:
    """The handlers from before ``queue_early_signals`` back. A signal kept and never acted on
    is dropped: the command it was meant to stop has ended anyway."""
    for sig in SIGNALS:
        if signal.getsignal(sig) is _queue_early:
            signal.signal(sig, _before_early.get(sig, signal.SIG_DFL))
    take_early_signals()


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
    for signum in take_early_signals():  # signals that came before the run could be stopped
        received.put(signum)
    try:
        yield
    finally:
        for sig, old in previous.items():
            # After the run a signal acts as it did before the command started.
            signal.signal(
                sig, _before_early.get(sig, signal.SIG_DFL) if old is _queue_early else old
            )
        received.put(None)
        watcher.join()
