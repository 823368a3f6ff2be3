"""Never weaker than Schemathesis: on the same spec, target and seed, every failure that
``schemathesis run --checks all`` reports appears in our report, for every mutant of the tasks
target (and the reference, where neither may find anything of substance)."""

from __future__ import annotations

from pathlib import Path

import pytest
from differential import compare
from tasks_target import TARGET

pytestmark = pytest.mark.slow

MUTANTS = sorted(TARGET.FLAWS)
# Defects the CLI's stateful checks may or may not reach: our checks that find them with no link.
OURS_WITHOUT_LINKS = {
    "lost-write": "api:read-after-create",
    "ineffective-delete": "api:use_after_free",
    "stale-read": "api:read-after-update",  # no check of the CLI looks for it
}


@pytest.mark.parametrize("flaw", MUTANTS)
def test_every_failure_the_cli_finds_is_in_our_report(flaw: str, tmp_path: Path) -> None:
    comparison = compare(flaw, tmp_path)
    missed = [(found.kind, found.operations) for found in comparison.missed]
    assert missed == [], f"{flaw}: the CLI found {missed}; we found {sorted(comparison.ours)}"
    assert comparison.ours, f"{flaw}: our run found nothing"
    if flaw in OURS_WITHOUT_LINKS:
        assert OURS_WITHOUT_LINKS[flaw] in comparison.ours, sorted(comparison.ours)
