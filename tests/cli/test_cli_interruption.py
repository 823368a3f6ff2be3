"""``stop_on_signals``: SIGINT/SIGTERM stop the run from a thread of its own, never inside the
signal handler, so that a second signal (Ctrl-C reaches a whole process group, and ``run
--workers N`` forwards it too) cannot find the main thread holding a lock it then waits for.
End to end, with shard processes: tests/engine/test_workers_interrupted.py."""

from __future__ import annotations

import signal
import threading

import pytest

from conformance.cli import main as cli_main
from conformance.cli.interruption import (
    queue_early_signals,
    release_early_signals,
    stop_on_signals,
    take_early_signals,
)
from conformance.engine.running.runner import RunControl


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


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_the_command_starts_stops_the_run_once_it_can(
    signum: signal.Signals,
) -> None:
    """A signal before the run has a control (the command still importing, reading its spec)
    is kept, and stops the run as soon as it starts; afterwards handlers are as before."""
    before = signal.getsignal(signum)
    queue_early_signals()
    try:
        signal.raise_signal(signum)  # would have ended the process with a traceback
        control = RecordingControl()
        with stop_on_signals(control):
            assert control.event.wait(10), "the early signal did not stop the run"
        assert control.reason == f"interrupted ({signum.name})"
        assert signal.getsignal(signum) is before
    finally:
        release_early_signals()
    assert signal.getsignal(signum) is before


def test_a_command_that_ends_before_its_run_drops_the_kept_signal() -> None:
    before = signal.getsignal(signal.SIGINT)
    queue_early_signals()
    signal.raise_signal(signal.SIGINT)
    release_early_signals()  # no KeyboardInterrupt: the command has ended anyway
    assert signal.getsignal(signal.SIGINT) is before
    assert take_early_signals() == []


def test_the_command_line_keeps_handlers_as_they_were(capsys) -> None:
    """``main`` queues early signals for run and certify only, and puts the handlers back."""
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    assert cli_main(["run", "--spec", "missing.yaml", "--base-url", "http://127.0.0.1:9"]) == 2
    assert {sig: signal.getsignal(sig) for sig in before} == before
    capsys.readouterr()
