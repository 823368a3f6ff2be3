"""Stopping a run from outside it: ``RunControl``."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

from conformance.engine.fuzzing.internals import engine_control, spend_time_budget


class RunControl:
    """Stops a run from another thread; the run then reports what it has.

    A signal handler had better not call ``stop`` itself: it runs in the main thread, between
    any two steps of it, possibly inside ``stop`` (a second signal) or Schemathesis's own
    locking. Queue the signal and stop from a thread instead, as the command line does. The
    lock is reentrant so that a handler that does call it cannot deadlock on this lock, at
    least.
    """

    def __init__(self) -> None:
        self.event = threading.Event()
        self.reason: str | None = None
        self._lock = threading.RLock()
        self._stream: Any = None
        self._engine_control: Any = None
        self._on_stop: list[Callable[[], None]] = []

    @property
    def stopped(self) -> bool:
        return self.event.is_set()

    def stop(self, reason: str) -> None:
        with self._lock:
            if self.event.is_set():
                return
            self.reason = reason
            self.event.set()
            stream, control = self._stream, self._engine_control
            callbacks = list(self._on_stop)
        for callback in callbacks:
            callback()
        if stream is not None:
            _wind_down(stream, control)

    @contextlib.contextmanager
    def on_stop(self, callback: Callable[[], None]) -> Iterator[None]:
        """Within the block, a stop also calls ``callback`` (at once if stopped already): to
        cut a request in progress."""
        with self._lock:
            self._on_stop.append(callback)
            stopped = self.event.is_set()
        if stopped:
            callback()
        try:
            yield
        finally:
            with self._lock:
                self._on_stop.remove(callback)

    def bind(self, stream: Any) -> None:
        """Stop ``stream`` (Schemathesis's event stream) when the run is stopped; None unbinds."""
        control = engine_control(stream) if stream is not None else None
        with self._lock:
            self._stream, self._engine_control = stream, control
            stopped = self.event.is_set()
        if stopped and stream is not None:
            _wind_down(stream, control)


def _wind_down(stream: Any, control: Any) -> None:
    """Stop Schemathesis so that nothing it sent is lost: its time budget spent (see
    ``internals.spend_time_budget``); where its control cannot be reached, interrupt it."""
    if control is None:
        stream.stop()
        return
    spend_time_budget(control)
