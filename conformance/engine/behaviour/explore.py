"""Hypothesis against a live service: seeded, bounded, and without shrinking or replays.

A live service keeps state between examples, so the usual Hypothesis loop (replay the failing
example, shrink it) would send requests whose answers legitimately differ the second time (an
idempotency key already used, a message already deleted) and report a flaky test instead of
the defect. So a scenario never raises into Hypothesis: the first disagreement is recorded,
later examples do nothing, and errors are re-raised once Hypothesis is done. The run's seed
fixes every drawn value, so the same seed sends the same requests.
"""

from __future__ import annotations

import contextlib
import functools
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import hypothesis.configuration
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from conformance.engine.behaviour.base import Disagreement, Session
from conformance.engine.generation.unicode_tables import prepare_codec_tables

T = TypeVar("T")


def hypothesis_settings(examples: int, steps: int = 10) -> settings:
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        report_multiple_bugs=False,
    )


@contextlib.contextmanager
def private_hypothesis_home() -> Iterator[None]:
    """Hypothesis caches derived data (its Unicode tables) in its home directory: never in the
    user's working directory, but in the user's cache, as the run's generated testing does.
    A fresh directory each time would rebuild the tables: seconds of CPU and ~200 MB at the
    peak. Without a writable cache, a temporary directory."""
    # Imported here: the runner module imports the engine package, which registers these checks.
    from conformance.engine.runner import hypothesis_cache_dir

    previous = vars(hypothesis.configuration).get("__hypothesis_home_directory")
    cache = hypothesis_cache_dir()
    try:
        if cache is not None:
            hypothesis.configuration.set_hypothesis_home_dir(cache)
            prepare_codec_tables()
            yield
            return
        with tempfile.TemporaryDirectory(prefix="gdi-conformance-bb-") as directory:
            hypothesis.configuration.set_hypothesis_home_dir(directory)
            prepare_codec_tables()
            yield
    finally:
        hypothesis.configuration.set_hypothesis_home_dir(previous)


class Guard:
    """Keeps the first disagreement and the first error of a scenario out of Hypothesis."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.disagreement: Disagreement | None = None
        self.error: BaseException | None = None

    @property
    def done(self) -> bool:
        return self.disagreement is not None or self.error is not None or self.session.ctx.stopped

    def run(self, step: Callable[[], None]) -> None:
        if self.done:
            return
        try:
            step()
        except Disagreement as disagreement:
            self.disagreement = disagreement
        except Exception as exc:
            self.error = exc

    def settle(self) -> None:
        """After Hypothesis: record the disagreement, re-raise the error (with its type)."""
        if self.error is not None:
            raise self.error
        if self.disagreement is not None:
            self.session.findings.record(self.disagreement)


def explore(
    session: Session,
    strategy: st.SearchStrategy[T],
    scenario: Callable[[T], None],
    *,
    examples: int | None = None,
    cases: Iterable[T] = (),
) -> None:
    """Run ``scenario`` on ``cases`` (the telling values, always tried first), then on values
    drawn from ``strategy``, until the first disagreement."""
    guard = Guard(session)
    for case in cases:
        guard.run(functools.partial(scenario, case))

    @hypothesis_settings(examples or session.settings.examples)
    @given(strategy)
    def test(value: Any) -> None:
        guard.run(lambda: scenario(value))

    with private_hypothesis_home():
        seed(session.seed)(test)()
    guard.settle()


def run_machine(
    session: Session,
    factory: Callable[[], RuleBasedStateMachine],
    *,
    examples: int | None = None,
    steps: int | None = None,
) -> None:
    """Run a state machine built by ``factory``; its rules must go through a ``Guard``."""
    configured = hypothesis_settings(
        examples or session.settings.examples, steps or session.settings.steps
    )
    with private_hypothesis_home():
        # A factory function is as good as the class (Hypothesis calls it for each example).
        machine: Any = seed(session.seed)(factory)
        run_state_machine_as_test(machine, settings=configured)
