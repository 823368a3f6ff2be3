"""A lint inside a run stops when the run's budget runs out, between rules and findings."""

from __future__ import annotations

import pytest
from support.checkout import REPOSITORY

from conformance.lint import lint_spec
from conformance.lint.runner import LintStopped
from conformance.spec import load_spec

SPEC = REPOSITORY / "fixtures" / "hostile" / "openapi.yaml"


def test_a_lint_asked_to_stop_raises_instead_of_judging_half_the_rules() -> None:
    spec = load_spec(SPEC)
    asked = 0

    def stopped() -> bool:
        nonlocal asked
        asked += 1
        return asked > 3

    with pytest.raises(LintStopped):
        lint_spec(spec, stopped=stopped)


def test_a_lint_never_asked_to_stop_finds_what_it_finds_without_the_question() -> None:
    spec = load_spec(SPEC)
    assert lint_spec(spec, stopped=lambda: False) == lint_spec(spec)
