"""The engine against real targets: the reference passes everything, each flaw is caught."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tasks_target import TARGET_DIR, RunTarget, credentials, serve_tasks

from conformance.engine.running.runner import RunConfig, run
from conformance.results import Outcome, RunReport, Verdict, validate_report
from conformance.spec import load_spec

pytestmark = pytest.mark.slow  # every test serves the tasks target under uvicorn

GENERATED_PHASES = ("coverage", "fuzzing", "stateful")


@pytest.fixture(scope="module")
def conformant_report(tasks_spec, tmp_path_factory) -> RunReport:
    with serve_tasks() as (base_url, _app):
        return run(
            RunConfig(
                spec=tasks_spec,
                base_url=base_url,
                subjects=credentials(),
                seed=7,
                max_examples=5,
                hypothesis_dir=tmp_path_factory.mktemp("hypothesis"),
            )
        )


# The tasks spec requires no request header: nothing there to be proven.
NOT_APPLICABLE = {"GDI-GEN-012"}


def test_conformant_target_passes_every_requirement(conformant_report: RunReport) -> None:
    report = conformant_report
    not_passed = [
        (r.id, r.outcome, r.reason, r.failures[:1])
        for r in report.requirements
        if r.outcome is not Outcome.PASSED and r.id not in NOT_APPLICABLE
    ]
    assert not_passed == []
    for result in report.requirements:
        if result.id in NOT_APPLICABLE:
            assert result.outcome is Outcome.NOT_APPLICABLE, result
        else:  # passed on evidence: some cases met the precondition of its checks
            assert 0 < result.evidence_cases <= result.cases, result
    assert report.verdict is Verdict.CONFORMANT
    assert report.completion.complete
    assert report.profile.kind == "generic"


def test_conformant_target_every_check_ran_and_passed(conformant_report: RunReport) -> None:
    for check in conformant_report.checks:
        if check.id == "api:missing_required_header":  # the spec requires no header
            assert check.outcome is Outcome.NOT_APPLICABLE, check
            continue
        assert check.outcome is Outcome.PASSED, check
        assert check.cases > 0, check.id
        assert check.evidence_cases > 0 and check.precondition, check
    ids = {check.id for check in conformant_report.checks}
    assert {"adr:version-header", "adr:no-trailing-slash", "openapi:exchange-valid"} <= ids


def test_conformant_report_covers_every_operation_and_phase(conformant_report: RunReport) -> None:
    report = conformant_report
    assert {op.operation for op in report.operations} == {
        "GET /tasks",
        "POST /tasks",
        "GET /tasks/{taskId}",
        "PATCH /tasks/{taskId}",
        "DELETE /tasks/{taskId}",
    }
    for operation in report.operations:
        assert operation.cases > 0, operation.operation
        assert operation.status_codes, operation.operation
    phases = {phase.name: phase.status for phase in report.phases}
    assert all(phases[name] == "passed" for name in GENERATED_PHASES), phases
    assert phases["probes"] == "passed"
    assert report.response_times and all(sample.ms >= 0 for sample in report.response_times)
    # Coverage reaches the boundaries: pageSize=100 (maximum) and 101 (just past it) were sent.
    assert report.summary.cases == sum(op.cases for op in report.operations)


def test_report_validates_against_schema(conformant_report: RunReport) -> None:
    validate_report(conformant_report.to_dict())
    assert type(conformant_report).from_dict(conformant_report.to_dict()) == conformant_report


# flaw -> (requirement of the generic profile, check id that must carry the evidence)
FLAWS = [
    ("missing-version-header", "GDI-GEN-001", "adr:version-header"),
    ("plain-errors", "GDI-GEN-002", "adr:problem-details"),
    ("status-422", "GDI-GEN-003", "adr:invalid-input-400"),
    ("trailing-slash-redirect", "GDI-GEN-004", "adr:no-trailing-slash"),
    ("wrong-allow", "GDI-GEN-005", "adr:http-methods-405"),
    ("unpublished-openapi", "GDI-GEN-006", "adr:publish-openapi"),
    ("drifted-openapi", "GDI-GEN-006", "adr:publish-openapi"),
    ("no-security-headers", "GDI-GEN-007", "adr:security-headers"),
    ("naive-date-time", "GDI-GEN-008", "adr:date-time-format"),
    ("schema-violation", "GDI-GEN-009", "api:response_schema_conformance"),
    ("schema-violation", "GDI-GEN-009", "openapi:exchange-valid"),
    ("stack-trace", "GDI-GEN-010", "api:not_a_server_error"),
    ("stack-trace", "GDI-GEN-015", "sec:no-internal-details"),
    ("ignores-auth", "GDI-GEN-013", "api:ignored_auth"),
    ("echo-secrets", "GDI-GEN-015", "sec:no-internal-details"),
    ("lost-write", "GDI-GEN-014", "api:read-after-create"),
    ("ineffective-delete", "GDI-GEN-014", "api:use_after_free"),
    ("stale-read", "GDI-GEN-014", "api:read-after-update"),
    ("page-size-clamped", "GDI-GEN-003", "api:negative_data_rejection"),
    ("short-titles-only", "GDI-GEN-011", "api:positive_data_acceptance"),
    ("undeclared-method-404", "GDI-GEN-005", "api:unsupported_method"),
]


@pytest.fixture(scope="module")
def flawed_reports() -> dict[str, RunReport]:
    return {}


@pytest.mark.parametrize(
    ("flaw", "requirement", "check"), FLAWS, ids=[f"{f}-{c}" for f, _, c in FLAWS]
)
def test_flaw_is_flagged_under_its_requirement(
    flaw: str,
    requirement: str,
    check: str,
    run_target: RunTarget,
    flawed_reports: dict[str, RunReport],
) -> None:
    if flaw not in flawed_reports:
        flawed_reports[flaw] = run_target(flaw)
    report = flawed_reports[flaw]
    result = report.requirement(requirement)
    assert result.outcome is Outcome.FAILED, (result.outcome, result.reason)
    evidence = [item for item in result.failures if item.check == check]
    assert evidence, [item.check for item in result.failures]
    first = evidence[0]
    assert first.request is not None and first.response is not None
    assert first.curl and first.curl.startswith("curl -X ")
    assert report.verdict is Verdict.NOT_CONFORMANT
    assert report.check(check).outcome is Outcome.FAILED
    # A flaw breaks its rule only: the ADR requirements it does not concern still pass.
    untouched = {"GDI-GEN-004", "GDI-GEN-006", "GDI-GEN-007"} - {requirement}
    if flaw not in (
        "trailing-slash-redirect",
        "unpublished-openapi",
        "drifted-openapi",
        "no-security-headers",
    ):
        for other in untouched:
            assert report.requirement(other).outcome is Outcome.PASSED, other


def test_stack_trace_is_found_at_a_boundary_value(run_target: RunTarget) -> None:
    # The crash needs pageSize=100 exactly: only the coverage phase's boundary values find it.
    report = run_target("stack-trace", phases=("coverage",))
    failure = report.requirement("GDI-GEN-010").failures[0]
    assert failure.phase == "coverage"
    assert failure.request is not None and "pageSize=100" in failure.request.url


def test_redirect_to_another_host_is_judged_not_followed(run_target: RunTarget) -> None:
    report = run_target("redirect-elsewhere", phases=())
    result = report.requirement("GDI-GEN-004")
    assert result.outcome is Outcome.FAILED
    failure = result.failures[0]
    assert failure.response is not None and failure.response.status == 307
    assert "127.0.0.2" in failure.message


def _without_links(spec_path: Path, tmp_path: Path) -> Path:
    document = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    for item in document["paths"].values():
        for operation in item.values():
            for response in (
                (operation.get("responses") or {}).values() if isinstance(operation, dict) else ()
            ):
                if isinstance(response, dict):
                    response.pop("links", None)
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("flaw", "check"),
    [
        ("lost-write", "api:read-after-create"),
        ("ineffective-delete", "api:use_after_free"),
        ("stale-read", "api:read-after-update"),
    ],
)
def test_stateful_defects_are_found_without_links(
    flaw: str, check: str, run_target: RunTarget, tmp_path: Path
) -> None:
    # No link in the spec: Schemathesis's stateful phase has nothing to follow; the Location
    # header and the id in the body lead to the resource all the same.
    spec = load_spec(_without_links(TARGET_DIR / "openapi.yaml", tmp_path))
    report = run_target(flaw, spec=spec)
    result = report.requirement("GDI-GEN-014")
    assert result.outcome is Outcome.FAILED
    assert [item.check for item in result.failures] == [check]
    assert report.verdict is Verdict.NOT_CONFORMANT
