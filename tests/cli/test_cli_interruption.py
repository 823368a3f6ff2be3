"""``stop_on_signals``: SIGINT/SIGTERM stop the run from a thread of its own, never inside the
signal handler, so that a second signal (Ctrl-C reaches a whole process group, and ``run
--workers N`` forwards it too) cannot find the main thread holding a lock it then waits for.
End to end, with shard processes: tests/engine/test_workers_interrupted.py."""

from __future__ import annotations

import signal
import threading

import pytest

from conformance.cli.interruption import stop_on_signals
from conformance.engine import RunControl


class RecordingControl(RunControl):
    """A run control that notes which thread stopped it."""

    def __init__(self) -> None:
        super().__init__()
        self.stopped_by: list[threading.Thread] = []

    def stop(self, reason: str) -> None:
        self.stopped_by.append(threading.current_thread())
        super().stop(reason)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signals_stop_the_run_from_another_thread(signum: signal.Signals) -> None:
    before = signal.getsignal(signum)
    control = RecordingControl()
    with stop_on_signals(control):
        signal.raise_signal(signum)
        signal.raise_signal(signum)  # the same signal again at once, as a shard gets it
        assert control.event.wait(10), "the run was not stopped"
    assert control.reason == f"interrupted ({signum.name})"
    assert control.stopped_by and threading.main_thread() not in control.stopped_by
    assert signal.getsignal(signum) is before  # the previous handler is back
