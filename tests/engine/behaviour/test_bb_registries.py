"""bb:registries:* checks: every one passes on the reference register and fails on the mutant
made to break what it proves (fixtures/mutants/behaviour_catalog.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bb_support import assert_mutant_flagged, assert_passes, behaviour_context, serve

from conformance.engine.checks.active import ACTIVE_CHECKS, ActiveContext
from conformance.spec.catalog import resolve_block
from fixtures.mutants.behaviour_catalog import BEHAVIOUR_MUTANTS
from fixtures.mutants.catalog import Mutant

pytestmark = pytest.mark.slow

BLOCK = "registries"
MUTANTS = [mutant for mutant in BEHAVIOUR_MUTANTS if mutant.block == BLOCK]
PROFILE, _ = resolve_block("registries@v1")
CHECKS = sorted(check for check in PROFILE.check_ids if check.startswith("bb:registries:"))


@pytest.fixture(scope="module")
def reference(
    identity_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ActiveContext]:
    """One reference block and one run context for the module (as in one engine run)."""
    with (
        serve(BLOCK, tmp_path_factory.mktemp(BLOCK), identity_url) as base_url,
        behaviour_context(BLOCK, base_url, identity_url) as context,
    ):
        yield context


def test_every_check_the_profile_names_is_implemented() -> None:
    assert CHECKS, "the registries profile names no bb:registries check"
    assert [check for check in CHECKS if check not in ACTIVE_CHECKS] == []


def test_every_check_has_a_mutant() -> None:
    assert sorted({mutant.check for mutant in MUTANTS}) == CHECKS


@pytest.mark.parametrize("check", CHECKS)
def test_check_passes_on_the_reference(check: str, reference: ActiveContext) -> None:
    assert_passes(check, reference)


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda mutant: mutant.name)
def test_check_fails_on_its_mutant(mutant: Mutant, identity_url: str, tmp_path: Path) -> None:
    assert_mutant_flagged(mutant, PROFILE, identity_url, tmp_path)
