"""The defect set: every mutant of a reference block is flagged under the right requirement.

Each mutant (fixtures/mutants, one deliberate defect each) runs as a real uvicorn service
under its block's name (``GDI_<BLOCK>_FACTORY``), with its tokens from a reference identity
block; the engine runs on it with the block's catalogue profile reduced to the requirement
that must catch the defect, a fixed seed and a small budget. The reference blocks themselves
run against their whole profiles in test_reference_blocks.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mutant_support import identity_service, prepare, run_engine, serve_block, subjects

from conformance.results import Level, Outcome, RunReport, validate_report
from fixtures.mutants.catalog import MUTANTS, Mutant

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def identity_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One reference identity block per test process (each xdist worker has its own)."""
    with identity_service(tmp_path_factory.mktemp("identity")) as url:
        yield url


def run_mutant(mutant: Mutant, identity_url: str, tmp_path: Path) -> RunReport:
    if mutant.block == "identity":
        with serve_block("identity", tmp_path, identity_url=None, mutant=mutant) as base_url:
            return run_engine(
                "identity",
                base_url,
                subjects("identity", base_url),
                tmp_path,
                requirement=mutant.requirement,
                phases=mutant.phases,
            )
    with serve_block(mutant.block, tmp_path, identity_url=identity_url, mutant=mutant) as base_url:
        prepare(mutant, base_url, identity_url)
        return run_engine(
            mutant.block,
            base_url,
            subjects(mutant.block, identity_url),
            tmp_path,
            requirement=mutant.requirement,
            phases=mutant.phases,
        )


def test_catalog_has_at_least_fifteen_single_defect_mutants() -> None:
    names = [mutant.name for mutant in MUTANTS]
    assert len(names) == len(set(names)) >= 15
    assert {mutant.block for mutant in MUTANTS} == {"identity", "messaging", "registries"}
    for mutant in MUTANTS:
        assert (Path(__file__).parents[2] / "fixtures" / "mutants" / f"{mutant.name}.py").is_file()
        assert mutant.requirement.startswith(
            {"identity": "GDI-IDN", "messaging": "GDI-MSG", "registries": "GDI-REG"}[mutant.block]
        )


@pytest.mark.parametrize("mutant", MUTANTS, ids=[mutant.name for mutant in MUTANTS])
def test_mutant_is_flagged_under_its_requirement(
    mutant: Mutant, identity_url: str, tmp_path: Path
) -> None:
    report = run_mutant(mutant, identity_url, tmp_path)
    result = report.requirement(mutant.requirement)
    assert result.outcome is Outcome.FAILED, (result.outcome, result.reason, result.errors)
    # One defect, one failed MUST (none when its requirement is a MAY, as the identity
    # gateway level is).
    must = [mutant.requirement] if result.level is Level.MUST else []
    assert report.summary.must_failed == must
    caught = [failure for failure in result.failures if failure.check == mutant.check]
    assert caught, [(failure.check, failure.title) for failure in result.failures]
    evidence = caught[0]
    assert evidence.title and evidence.message
    assert evidence.request is not None and evidence.response is not None
    assert evidence.curl is not None and evidence.curl.startswith("curl -X ")
    assert evidence.request.url.split("?")[0] in evidence.curl
    # Credentials never reach a report, the curl reproduction included.
    for header in ("authorization", "Authorization"):
        value = evidence.request.headers.get(header)
        assert value is None or "REDACTED" in value
    validate_report(report.to_dict())
