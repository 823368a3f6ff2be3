"""Scenarios as sequences of named steps, each exercising one building block.

A ``Scenario`` declares its steps up front (``Step``: id, block, title) and plays them with a
``Journey``: ``journey.run("declare-birth", action)`` carries out one step and records its
outcome. A step that fails names the block at fault: by default the block it exercises, unless
the step found out otherwise (``StepFailed(blame=...)``, e.g. a resource server that refused a
token the identity block should not have issued that way). The first step that does not pass
ends the scenario; the steps after it are reported as skipped, never as passed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from conformance.httplimits import Exchange
from conformance.results import Outcome

T = TypeVar("T")

IDENTITY = "identity"
REGISTRIES = "registries"
MESSAGING = "messaging"
BLOCKS: tuple[str, ...] = (IDENTITY, REGISTRIES, MESSAGING)


@dataclass(frozen=True, slots=True)
class Step:
    id: str  # kebab-case, unique within its scenario
    block: str  # the block the step exercises
    title: str  # what happens, in one sentence


class StepFailed(Exception):
    """The step saw a block break the interoperability the scenario needs."""

    def __init__(
        self,
        message: str,
        *,
        exchange: Exchange | None = None,
        blame: str | None = None,
        actor: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.exchange = exchange
        self.blame = blame
        self.actor = actor


class CannotRun(Exception):
    """The step could not be carried out for a reason no block is to blame for."""

    def __init__(self, message: str, *, exchange: Exchange | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.exchange = exchange


class _Stop(Exception):
    """Internal: ends the scenario after a step that did not pass."""


@dataclass(slots=True)
class StepResult:
    step: Step
    outcome: Outcome
    message: str = ""
    blame: str | None = None  # the block at fault, for a failed step
    exchange: Exchange | None = None  # the exchange that shows the failure
    actor: str | None = None  # who acted (municipality, mother, ...)
    requests: int = 0
    duration_s: float = 0.0


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str  # e.g. "geboorte"
    title: str
    requirement: str  # the requirement id it proves, e.g. GDI-GEN-101
    statement: str
    steps: tuple[Step, ...]
    play: Callable[[Journey, Any], None]

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"scenario {self.name} has no step {step_id!r}")

    def check_id(self, step: Step) -> str:
        return f"interop:{self.name}:{step.id}"


@dataclass(slots=True)
class ScenarioResult:
    scenario: Scenario
    steps: list[StepResult] = field(default_factory=list)

    @property
    def outcome(self) -> Outcome:
        outcomes = {result.outcome for result in self.steps}
        for outcome in (Outcome.FAILED, Outcome.ERROR, Outcome.SKIPPED):
            if outcome in outcomes:
                return outcome
        return Outcome.PASSED

    @property
    def stopped_at(self) -> StepResult | None:
        """The step that ended the scenario (failed or in error), if any."""
        return next(
            (item for item in self.steps if item.outcome in (Outcome.FAILED, Outcome.ERROR)),
            None,
        )


class Journey:
    """Carries out the steps of one scenario and records what each showed."""

    def __init__(
        self,
        scenario: Scenario,
        count_requests: Callable[[], int],
        last_exchange: Callable[[], Exchange | None] = lambda: None,
        at_step: Callable[[str | None], None] = lambda check: None,
    ) -> None:
        self.scenario = scenario
        self.result = ScenarioResult(scenario)
        self._count = count_requests
        self._last = last_exchange
        self._at_step = at_step  # told the check id of the step being played (None: between)

    def run(self, step_id: str, action: Callable[[], T], *, actor: str | None = None) -> T:
        step = self.scenario.step(step_id)
        started, before = time.monotonic(), self._count()
        result = StepResult(step, Outcome.PASSED, actor=actor)
        self._at_step(self.scenario.check_id(step))
        try:
            value = action()
        except StepFailed as failure:
            result.outcome = Outcome.FAILED
            result.message = failure.message
            result.blame = failure.blame or step.block
            result.exchange = failure.exchange or self._last()
            result.actor = failure.actor or actor
        except CannotRun as problem:
            result.outcome = Outcome.ERROR
            result.message = problem.message
            result.exchange = problem.exchange or self._last()
        except Exception as exc:  # a bug of the harness must not pass for a block's fault
            result.outcome = Outcome.ERROR
            result.message = f"the step crashed: {type(exc).__name__}: {exc}"
        finally:
            self._at_step(None)
        result.requests = self._count() - before
        result.duration_s = round(time.monotonic() - started, 3)
        self.result.steps.append(result)
        if result.outcome is not Outcome.PASSED:
            raise _Stop
        return value

    def play(self, stage: Any) -> ScenarioResult:
        try:
            self.scenario.play(self, stage)
        except _Stop:
            pass
        except Exception as exc:  # outside any step: a harness bug, reported as an error
            done = {item.step.id for item in self.result.steps}
            step = next((item for item in self.scenario.steps if item.id not in done), None)
            if step is not None:
                message = f"the scenario crashed: {type(exc).__name__}: {exc}"
                self.result.steps.append(StepResult(step, Outcome.ERROR, message))
        done = {item.step.id for item in self.result.steps}
        for step in self.scenario.steps:
            if step.id not in done:
                self.result.steps.append(
                    StepResult(step, Outcome.SKIPPED, "not reached: an earlier step did not pass")
                )
        return self.result
