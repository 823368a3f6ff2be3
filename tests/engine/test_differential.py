"""Never weaker than Schemathesis: on the same spec, target and seed, every failure that
``schemathesis run --checks all`` reports appears in our report, for every mutant in fixtures/:
each flaw of the tasks target (fixtures/targets/tasks) and each mutant of a reference block
(fixtures/mutants, served through ``GDI_<BLOCK>_FACTORY``), and the references themselves.

Both sides get the same small number of examples. A block takes long whatever that number:
the CLI's coverage phase (which does not depend on it) and our behaviour checks (which wait
for notifications that must, or must not, arrive) are most of it. On two free cores a pair of
runs takes 5-10 s for identity and registries and about 40 s for messaging, so each mutant is
a test of its own for pytest-xdist to spread over the workers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from differential import Comparison, compare, compare_block
from mutant_support import identity_service
from tasks_target import TARGET

from fixtures.mutants.behaviour_catalog import BEHAVIOUR_MUTANTS
from fixtures.mutants.catalog import MUTANTS as MAIN_MUTANTS
from fixtures.mutants.catalog import Mutant
from fixtures.mutants.identity_catalog import IDENTITY_MUTANTS

pytestmark = pytest.mark.slow

FLAWS = sorted(TARGET.FLAWS)
# Every block mutant once (a few show more than one check failing, so two catalogues list them).
BLOCK_MUTANTS = list(
    {m.name: m for m in (*MAIN_MUTANTS, *BEHAVIOUR_MUTANTS, *IDENTITY_MUTANTS)}.values()
)
BLOCKS = ("identity", "messaging", "registries")
BLOCK_EXAMPLES = 1
# Defects the CLI's stateful checks may or may not reach: our checks that find them with no link.
OURS_WITHOUT_LINKS = {
    "lost-write": "api:read-after-create",
    "ineffective-delete": "api:use_after_free",
    "stale-read": "api:read-after-update",  # no check of the CLI looks for it
    "ignores-page-size": "adr:pagination",  # nor for this one
}

# Every check of the Schemathesis we depend on, with a mutant in the set whose defect it
# reports and the failure type it reports it as: so each is shown to fire, and (by the tests
# below) that we report the same. The CLI's object_level_authorization needs identities of
# other subjects that a plain ``schemathesis run`` is not given: the BOLA mutants (bola,
# move_declaration_bola) are ours to find, as sec:bola.
CLI_CHECKS: dict[str, tuple[str, str | None]] = {
    "not_a_server_error": ("stack-trace", "ServerError"),
    "status_code_conformance": ("status-422", "UndefinedStatusCode"),
    "content_type_conformance": ("plain-errors", "UndefinedContentType"),
    "response_headers_conformance": ("missing_api_version", "MissingHeaders"),
    "response_schema_conformance": ("schema-violation", "JsonSchemaError"),
    "negative_data_rejection": ("page-size-clamped", "AcceptedNegativeData"),
    "positive_data_acceptance": ("short-titles-only", "RejectedPositiveData"),
    "missing_required_header": ("ignores-auth", "MissingHeaderNotRejected"),
    "unsupported_method": ("undeclared-method-404", "UnsupportedMethodResponse"),
    "allow_header_conformance": ("wrong-allow", "AllowHeaderMismatch"),
    "use_after_free": ("ineffective-delete", "UseAfterFree"),
    "ensure_resource_availability": ("lost-write", "EnsureResourceAvailability"),
    "ignored_auth": ("ignores-auth", "IgnoredAuth"),
    "object_level_authorization": ("bola", None),
}
SHOWN_BY: dict[str, set[str]] = {}
for _mutant, _kind in CLI_CHECKS.values():
    if _kind is not None:
        SHOWN_BY.setdefault(_mutant, set()).add(_kind)


def test_every_check_of_the_cli_has_a_mutant() -> None:
    import schemathesis.specs.openapi.checks  # noqa: F401  (registers the OpenAPI checks)
    from schemathesis.checks import CHECKS

    own = {c.__name__ for c in CHECKS.get_all() if c.__module__.startswith("schemathesis.")}
    assert own == set(CLI_CHECKS)
    names = set(FLAWS) | {mutant.name for mutant in BLOCK_MUTANTS}
    assert {mutant for mutant, _kind in CLI_CHECKS.values()} <= names


@pytest.fixture(scope="module")
def identity_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One reference identity block for the blocks under test to take their tokens from."""
    with identity_service(tmp_path_factory.mktemp("identity")) as url:
        yield url


def assert_nothing_missed(comparison: Comparison) -> None:
    kinds = {found.kind for found in comparison.cli}
    shown = SHOWN_BY.get(comparison.flaw, set())
    assert shown <= kinds, f"{comparison.flaw}: the CLI did not report {shown - kinds}"
    missed = [(found.kind, found.operations) for found in comparison.missed]
    assert missed == [], (
        f"{comparison.flaw}: the CLI found {missed}; we found {sorted(comparison.ours)}"
    )


@pytest.mark.parametrize("flaw", ["", *FLAWS], ids=["reference", *FLAWS])
def test_every_failure_the_cli_finds_on_the_tasks_target_is_in_our_report(
    flaw: str, tmp_path: Path
) -> None:
    comparison = compare(flaw, tmp_path)
    assert_nothing_missed(comparison)
    if flaw:
        assert comparison.ours, f"{flaw}: our run found nothing"
    if flaw in OURS_WITHOUT_LINKS:
        assert OURS_WITHOUT_LINKS[flaw] in comparison.ours, sorted(comparison.ours)


# Several times the figures above on a loaded machine.
@pytest.mark.timeout(1800)
@pytest.mark.parametrize(
    "mutant",
    [
        *(pytest.param(block, id=f"{block}-reference") for block in BLOCKS),
        *(pytest.param(m, id=m.name) for m in BLOCK_MUTANTS),
    ],
)
def test_every_failure_the_cli_finds_on_a_block_is_in_our_report(
    mutant: Mutant | str, identity_url: str, tmp_path: Path
) -> None:
    if isinstance(mutant, str):
        comparison = compare_block(
            None, mutant, identity_url, tmp_path, max_examples=BLOCK_EXAMPLES
        )
    else:
        comparison = compare_block(
            mutant, mutant.block, identity_url, tmp_path, max_examples=BLOCK_EXAMPLES
        )
        # The defect itself is ours to find, whatever the CLI made of it.
        assert mutant.check in comparison.ours, sorted(comparison.ours)
    assert_nothing_missed(comparison)
