"""The inbox state machine on its own: it agrees with the reference messaging block, and each
kind of disagreement it can find is found on a mutant, under the check it belongs to."""

from __future__ import annotations

from pathlib import Path

import pytest
from bb_support import behaviour_context, serve

from conformance.engine.behaviour import messaging_machine
from conformance.engine.behaviour.base import Session
from conformance.engine.behaviour.settings import BehaviourSettings

pytestmark = pytest.mark.slow
SETTINGS = BehaviourSettings()  # the defaults a run uses


def outcome_on(
    identity_url: str, data_dir: Path, mutant: str | None
) -> messaging_machine.MachineOutcome:
    with (
        serve("messaging", data_dir, identity_url, mutant) as base_url,
        behaviour_context("messaging", base_url, identity_url) as context,
    ):
        return messaging_machine.machine_outcome(
            Session(context, "bb:messaging:own-inbox", SETTINGS)
        )


def test_the_model_agrees_with_the_reference(identity_url: str, tmp_path: Path) -> None:
    outcome = outcome_on(identity_url, tmp_path, None)
    assert outcome.disagreement is None and outcome.error is None
    kinds = (
        messaging_machine.OWN_INBOX,
        messaging_machine.FOREIGN,
        messaging_machine.MARK_READ,
        messaging_machine.DELETE_EFFECTIVE,
    )
    assert all(outcome.verified[kind] > 0 for kind in kinds), outcome.verified


@pytest.mark.parametrize(
    ("mutant", "kind"),
    [
        ("messaging_shared_inbox", messaging_machine.OWN_INBOX),
        ("messaging_read_at_moves", messaging_machine.MARK_READ),
        ("ineffective_delete", messaging_machine.DELETE_EFFECTIVE),
        ("messaging_foreign_message_403", messaging_machine.FOREIGN),
    ],
)
def test_the_model_finds_each_kind_of_defect(
    identity_url: str, tmp_path: Path, mutant: str, kind: str
) -> None:
    outcome = outcome_on(identity_url, tmp_path, mutant)
    assert outcome.disagreement is not None, outcome.verified
    assert outcome.disagreement.category == kind, outcome.disagreement.message
    assert outcome.disagreement.reply is not None
    assert "steps:" in outcome.disagreement.message
