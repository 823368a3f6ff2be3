"""Profiles in a run: exceptions, operation scopes, unproven requirements, the catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from tasks_target import TARGET_DIR, RunTarget

from conformance.engine.catalogue import CATALOGUE
from conformance.engine.profile import generic_profile
from conformance.results import Outcome, Verdict
from conformance.spec import SpecLoadError, load_spec
from conformance.spec.catalog import resolve_block
from conformance.spec.profile import ProfileError, parse_profile


def profile(requirements: list[dict[str, Any]], exceptions: list[dict[str, Any]] | None = None):
    return parse_profile(
        {
            "block": "tasks",
            "title": "Tasks test profile",
            "profile_version": "0.1.0",
            "id_prefix": "GDI-GEN",
            "requirements": requirements,
            "exceptions": exceptions or [],
        },
        where="test profile",
    )


PROBLEMS = {
    "id": "GDI-GEN-001",
    "level": "MUST",
    "statement": "Errors are problem details.",
    "checks": ["adr:problem-details"],
}


def test_generic_profile_only_names_checks_the_engine_implements() -> None:
    generic = generic_profile()
    assert generic.kind == "generic" and generic.id_prefix == "GDI-GEN"
    assert len(generic.requirements) >= 15
    assert generic.check_ids <= CATALOGUE.ids


@pytest.mark.slow
def test_exception_turns_failures_into_visible_exceptions(run_target: RunTarget) -> None:
    excused = profile(
        [PROBLEMS],
        [
            {
                "id": "GDI-GEN-X01",
                "rule": "/core/error-handling/problem-details",
                "reason": "A test exception, explained at length.",
            }
        ],
    )
    report = run_target("plain-errors", profile=excused, phases=("coverage",))
    result = report.requirement("GDI-GEN-001")
    assert result.outcome is Outcome.PASSED
    assert result.failures == []
    (applied,) = result.exceptions_applied
    assert applied.id == "GDI-GEN-X01" and applied.matched > 0
    assert applied.reason == "A test exception, explained at length."
    assert all(item.exception == "GDI-GEN-X01" for item in applied.evidence)
    assert report.check("adr:problem-details").failures == applied.matched  # still counted


@pytest.mark.slow
def test_exception_limited_to_operations_excuses_only_those(run_target: RunTarget) -> None:
    excused = profile(
        [PROBLEMS],
        [
            {
                "id": "GDI-GEN-X01",
                "rule": "adr:problem-details",
                "operations": ["listTasks"],
                "reason": "A test exception for one operation.",
            }
        ],
    )
    report = run_target("plain-errors", profile=excused, phases=("coverage",))
    result = report.requirement("GDI-GEN-001")
    assert result.outcome is Outcome.FAILED
    assert {item.operation_id for item in result.failures} == {
        "createTask",
        "getTask",
        "updateTask",
        "deleteTask",
    }
    assert {item.operation_id for item in result.exceptions_applied[0].evidence} == {"listTasks"}


@pytest.mark.slow
def test_requirement_limited_to_operations(run_target: RunTarget) -> None:
    scoped = profile(
        [
            {
                "id": "GDI-GEN-001",
                "level": "MUST",
                "statement": "Reading a task carries API-Version.",
                "checks": ["adr:version-header"],
                "operations": ["getTask"],
            }
        ]
    )
    report = run_target("missing-version-header", profile=scoped, phases=("coverage",))
    failures = report.requirement("GDI-GEN-001").failures
    assert failures and {item.operation_id for item in failures} == {"getTask"}


@pytest.mark.slow
def test_unimplemented_check_leaves_a_must_skipped_never_passed(run_target: RunTarget) -> None:
    unproven = profile(
        [
            PROBLEMS,
            {
                "id": "GDI-GEN-002",
                "level": "MUST",
                "statement": "Something only a later check can prove.",
                "checks": ["bb:tasks:undo"],
            },
        ]
    )
    report = run_target(profile=unproven, phases=("coverage",))
    assert report.requirement("GDI-GEN-001").outcome is Outcome.PASSED
    skipped = report.requirement("GDI-GEN-002")
    assert skipped.outcome is Outcome.SKIPPED
    assert "not implemented" in (skipped.reason or "")
    assert report.check("bb:tasks:undo").implemented is False
    assert report.verdict is Verdict.INCONCLUSIVE
    assert report.summary.must_unproven == ["GDI-GEN-002"]


@pytest.mark.slow
def test_not_executed_when_no_exchange_was_evidence(run_target: RunTarget) -> None:
    # Without generated testing no error response was judged for problem details: not a pass.
    report = run_target(profile=profile([PROBLEMS]), phases=())
    result = report.requirement("GDI-GEN-001")
    assert result.outcome is Outcome.SKIPPED
    assert result.reason == (
        "no request got an answer (adr:problem-details: no error response was returned)"
    )
    assert (result.cases, result.evidence_cases) == (0, 0)
    assert report.verdict is Verdict.INCONCLUSIVE


@pytest.mark.slow
def test_not_applicable_when_the_spec_declares_nothing_subject_to_a_check(
    run_target: RunTarget,
) -> None:
    headers = {
        "id": "GDI-GEN-001",
        "level": "MUST",
        "statement": "Required headers are required.",
        "checks": ["api:missing_required_header"],
    }
    report = run_target(profile=profile([headers]), phases=("examples",))
    result = report.requirement("GDI-GEN-001")
    assert result.outcome is Outcome.NOT_APPLICABLE
    assert result.reason == "api:missing_required_header: the spec requires no request header"
    assert report.verdict is Verdict.CONFORMANT


LINT = {"id": "GDI-GEN-001", "level": "MUST", "statement": "Lint clean.", "checks": ["lint:adr"]}


@pytest.mark.slow
def test_lint_adr_passes_on_a_clean_spec(run_target: RunTarget) -> None:
    report = run_target(profile=profile([LINT]), phases=())
    assert report.requirement("GDI-GEN-001").outcome is Outcome.PASSED


@pytest.mark.slow
def test_lint_adr_fails_on_a_spec_with_errors(run_target: RunTarget, tmp_path: Path) -> None:
    document = yaml.safe_load((TARGET_DIR / "openapi.yaml").read_text())
    document["paths"]["/tasks/"] = document["paths"].pop("/tasks")
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(document))
    report = run_target(profile=profile([LINT]), phases=(), spec=load_spec(path))
    result = report.requirement("GDI-GEN-001")
    assert result.outcome is Outcome.FAILED
    assert "error-level ADR lint" in result.failures[0].title


def test_catalogue_block_resolves_to_its_profile_and_spec() -> None:
    block, spec = resolve_block("messaging@v1")
    assert block.kind == "block" and block.name == "messaging"
    assert block.id_prefix == "GDI-MSG" and len(block.sha256) == 64
    assert spec.bundled["info"]["version"].startswith("1.")


def test_bad_block_references_are_refused() -> None:
    with pytest.raises(ProfileError):
        resolve_block("Messaging!")
    with pytest.raises(SpecLoadError, match="v9"):
        resolve_block("messaging@v9")


def test_profile_errors_say_where() -> None:
    with pytest.raises(ProfileError, match=r"^test profile: .*'MAYBE'.*requirements\[0\]\.level"):
        profile([{**PROBLEMS, "level": "MAYBE"}])
    with pytest.raises(ProfileError, match=r"duplicate id GDI-GEN-001 .*requirements\[1\]\.id"):
        profile([PROBLEMS, PROBLEMS])
