"""Journeys: steps in order, the first failure ends the scenario and names the block at fault,
later steps are skipped (never passed), and a crash is an error, not a block's failure."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.interop.steps import (
    IDENTITY,
    MESSAGING,
    REGISTRIES,
    CannotRun,
    Journey,
    Scenario,
    Step,
    StepFailed,
)
from conformance.results import Outcome

STEPS = (
    Step("token", IDENTITY, "get a token"),
    Step("declare", REGISTRIES, "declare"),
    Step("notify", MESSAGING, "notify"),
)


def _scenario(play: Any) -> Scenario:
    return Scenario("demo", "Demo", "GDI-GEN-199", "A demo.", STEPS, play)


def _outcomes(play: Any) -> list[tuple[str, Outcome, str | None]]:
    result = Journey(_scenario(play), lambda: 0).play(None)
    return [(item.step.id, item.outcome, item.blame) for item in result.steps]


def test_all_steps_pass() -> None:
    def play(journey: Journey, stage: Any) -> None:
        for step in STEPS:
            assert journey.run(step.id, lambda name=step.id: name) == step.id

    assert _outcomes(play) == [(s.id, Outcome.PASSED, None) for s in STEPS]


def test_a_failure_blames_the_steps_block_and_skips_the_rest() -> None:
    def play(journey: Journey, stage: Any) -> None:
        journey.run("token", lambda: None)

        def declare() -> None:
            raise StepFailed("the register lost it")

        journey.run("declare", declare)
        journey.run("notify", lambda: pytest.fail("a step after a failure ran"))

    assert _outcomes(play) == [
        ("token", Outcome.PASSED, None),
        ("declare", Outcome.FAILED, REGISTRIES),
        ("notify", Outcome.SKIPPED, None),
    ]


def test_a_step_may_blame_another_block() -> None:
    def play(journey: Journey, stage: Any) -> None:
        def refused() -> None:
            raise StepFailed("the token was unfit", blame=IDENTITY)

        journey.run("notify", refused)

    outcomes = _outcomes(play)
    assert outcomes[0] == ("notify", Outcome.FAILED, IDENTITY)


@pytest.mark.parametrize("problem", [CannotRun("no test persons"), KeyError("bug")])
def test_what_no_block_is_to_blame_for_is_an_error(problem: Exception) -> None:
    def play(journey: Journey, stage: Any) -> None:
        def step() -> None:
            raise problem

        journey.run("token", step)

    result = Journey(_scenario(play), lambda: 0).play(None)
    assert result.outcome is Outcome.ERROR
    assert result.steps[0].blame is None
    assert [item.outcome for item in result.steps[1:]] == [Outcome.SKIPPED, Outcome.SKIPPED]


def test_a_crash_between_steps_is_an_error_of_the_next_step() -> None:
    def play(journey: Journey, stage: Any) -> None:
        journey.run("token", lambda: None)
        raise RuntimeError("harness bug")

    assert _outcomes(play)[1] == ("declare", Outcome.ERROR, None)
