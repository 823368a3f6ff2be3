"""Which configured login step a page gets: the form and browser drivers share this choice."""

from __future__ import annotations

from conformance.client.login import next_step
from conformance.client.login_form import FormStep

STEPS = (FormStep(match="/login"), FormStep(match="/consent"), FormStep(match="/interaction/"))


def test_the_first_step_whose_match_fits_is_taken_and_marked_used() -> None:
    used: set[tuple[int, str]] = set()
    assert next_step(STEPS, "https://op.example/interaction/a", used) == (2, STEPS[2])
    assert used == {(2, "https://op.example/interaction/a")}


def test_steps_go_on_after_the_last_used_and_wrap_around() -> None:
    used = {(1, "https://op.example/consent")}
    assert next_step(STEPS, "https://op.example/login?consent", used) == (0, STEPS[0])
    used = {(0, "https://op.example/login")}
    assert next_step(STEPS, "https://op.example/login/consent", used) == (1, STEPS[1])


def test_a_step_never_runs_twice_on_one_page_and_no_match_is_none() -> None:
    used = {(0, "https://op.example/login")}
    assert next_step(STEPS, "https://op.example/login", used) is None
    assert next_step(STEPS, "https://op.example/elsewhere", set()) is None
