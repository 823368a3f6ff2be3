"""The identity behaviour checks (bb:identity:*): each passes on the reference identity block
and fails on the mutant that breaks its rule (fixtures/mutants/identity_*.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from bb_support import describe, run_check
from identity_check_support import identity_context, serve_identity

from conformance.engine.behaviour.identity.registration import IDENTITY_CHECKS
from conformance.paths import specs_root
from conformance.results import Outcome
from fixtures.mutants.catalog import Mutant
from fixtures.mutants.identity_catalog import BY_CHECK, IDENTITY_MUTANTS

pytestmark = pytest.mark.slow


def _profile_checks() -> set[str]:
    profile = yaml.safe_load((specs_root() / "identity" / "v1" / "profile.yaml").read_text())
    return {
        check
        for requirement in profile["requirements"]
        for check in requirement["checks"]
        if check.startswith("bb:identity:")
    }


def test_every_identity_check_of_the_profile_is_implemented_and_has_a_mutant() -> None:
    assert set(IDENTITY_CHECKS) == _profile_checks()
    assert set(BY_CHECK) == _profile_checks()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_identity(tmp_path_factory.mktemp("identity")) as base_url:
        yield base_url


@pytest.mark.parametrize("check", sorted(IDENTITY_CHECKS))
def test_check_passes_on_the_reference(reference: str, check: str) -> None:
    with identity_context(reference) as context:
        observations = run_check(check, context)
    outcomes = {item.outcome for item in observations}
    assert outcomes == {Outcome.PASSED}, describe(observations)


@pytest.mark.parametrize("mutant", IDENTITY_MUTANTS, ids=lambda mutant: mutant.name)
def test_check_fails_on_its_mutant(tmp_path: Path, mutant: Mutant) -> None:
    with serve_identity(tmp_path, mutant) as base_url, identity_context(base_url) as context:
        observations = run_check(mutant.check, context)
    failed = [item for item in observations if item.outcome is Outcome.FAILED]
    assert failed, f"{mutant.check} did not flag: {mutant.defect}\n{describe(observations)}"
    assert any(item.exchange is not None for item in failed), "no exchange shows the defect"
    assert not [item for item in observations if item.outcome is Outcome.ERROR], describe(
        observations
    )
