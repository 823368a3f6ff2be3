"""The life events across real blocks: the reference trio passes; a defective block fails the
scenario at the step that exercises it, and the failure blames that block."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from interop_support import SEED, Trio, serve

from conformance.interop import InteropSettings, combination_of, interop_report, play
from conformance.interop.runner import InteropRun
from conformance.results import Outcome, Verdict, validate_report

pytestmark = pytest.mark.slow


def _play(identity: str, registries: str, messaging: str, seed: int = SEED) -> InteropRun:
    settings = InteropSettings(seed=seed, delivery_timeout=5.0)
    return play(combination_of(identity, registries, messaging), settings)


def _stopped(run: InteropRun, scenario: str) -> tuple[str, str | None, str]:
    result = next(item for item in run.scenarios if item.scenario.name == scenario)
    stopped = result.stopped_at
    assert stopped is not None, f"{scenario} did not stop"
    return stopped.step.id, stopped.blame, stopped.message


def test_the_reference_trio_passes_every_scenario(trio: Trio) -> None:
    run = _play(trio.identity, trio.registries, trio.messaging)
    for result in run.scenarios:
        failures = [f"{s.step.id}: {s.message}" for s in result.steps if s.outcome != "passed"]
        assert result.outcome is Outcome.PASSED, failures
    assert [result.scenario.name for result in run.scenarios] == ["geboorte", "verhuizing"]
    report = interop_report(run)
    validate_report(report.to_dict())
    assert report.verdict is Verdict.CONFORMANT
    assert {item.id for item in report.requirements} == {"GDI-GEN-101", "GDI-GEN-102"}
    assert all(check.outcome is Outcome.PASSED for check in report.checks)
    assert all(check.id.startswith("interop:") for check in report.checks)
    assert report.operations, "the report covers the operations the scenarios used"


def test_a_second_run_with_the_same_seed_passes_again(trio: Trio) -> None:
    """Messages and moves of an earlier run (same choices) do not get in the way."""
    first = _play(trio.identity, trio.registries, trio.messaging, seed=99)
    second = _play(trio.identity, trio.registries, trio.messaging, seed=99)
    assert first.outcome is Outcome.PASSED
    assert second.outcome is Outcome.PASSED


def test_messaging_that_loses_the_second_parents_message_is_blamed(
    trio: Trio, tmp_path: Path
) -> None:
    with serve(
        "messaging", tmp_path, identity_url=trio.identity, mutant="inbox_drops_repeated_subject"
    ) as messaging:
        run = _play(trio.identity, trio.registries, messaging)
    step, blame, message = _stopped(run, "geboorte")
    assert (step, blame) == ("parents-read-message", "messaging")
    assert "other parent" in message
    verhuizing = next(item for item in run.scenarios if item.scenario.name == "verhuizing")
    assert verhuizing.outcome is Outcome.PASSED  # one recipient: the defect does not show
    report = interop_report(run)
    validate_report(report.to_dict())
    assert report.verdict is Verdict.NOT_CONFORMANT
    evidence = report.requirement("GDI-GEN-101").failures[0]
    assert evidence.check == "interop:geboorte:parents-read-message"
    assert evidence.title.startswith("[messaging]")
    assert evidence.operation == "messaging GET /messages"
    assert evidence.request is not None and evidence.curl is not None
    headers = {name.lower(): value for name, value in evidence.request.headers.items()}
    assert headers["authorization"] == "[REDACTED]"
    text = json.dumps(report.to_dict())
    assert "eyJ" not in text, "a token leaked into the report"
    skipped = report.check("interop:geboorte:subscriber-notified")
    assert skipped.outcome is Outcome.SKIPPED


def test_registries_whose_birth_creates_no_findable_person_is_blamed(
    trio: Trio, tmp_path: Path
) -> None:
    with serve(
        "registries", tmp_path, identity_url=trio.identity, mutant="birth_not_registered"
    ) as registries:
        run = _play(trio.identity, registries, trio.messaging)
    step, blame, message = _stopped(run, "geboorte")
    assert (step, blame) == ("child-registered", "registries")
    assert "found 0 persons" in message
    report = interop_report(run)
    evidence = report.requirement("GDI-GEN-101").failures[0]
    assert evidence.operation == "registries POST /personen"
    assert evidence.title.startswith("[registries]")


def test_a_refused_token_blames_identity_when_the_token_is_unfit(tmp_path: Path) -> None:
    """The identity mutant's tokens name only the issuer as audience: messaging rightly
    refuses them, and the harness, having checked the token, blames identity."""
    with (
        serve("identity", tmp_path, mutant="identity_issuer_audience") as identity,
        serve("registries", tmp_path, identity_url=identity) as registries,
        serve("messaging", tmp_path, identity_url=identity) as messaging,
    ):
        run = _play(identity, registries, messaging)
    step, blame, message = _stopped(run, "geboorte")
    assert (step, blame) == ("subscribe", "identity")
    assert "urn:nld:gdi:messaging" in message
