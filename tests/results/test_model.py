"""The result model: round trip, schema, verdict rules."""

from __future__ import annotations

import copy
import dataclasses
import json
import typing

import jsonschema
import pytest

from conformance.results import (
    AppliedException,
    Budget,
    CheckResult,
    Completion,
    Evidence,
    HttpRequest,
    HttpResponse,
    Level,
    OperationCoverage,
    Outcome,
    PhaseResult,
    ProfileInfo,
    RequirementResult,
    ResponseTimeSample,
    RunError,
    RunReport,
    SpecInfo,
    SubjectInfo,
    ToolVersions,
    Verdict,
    decide_verdict,
    read_report,
    report_schema,
    summarise,
    validate_report,
    write_report,
)


def evidence() -> Evidence:
    return Evidence(
        check="adr:version-header",
        title="API-Version header missing",
        message="The response has no API-Version header; expected 1.2.0.",
        operation="GET /tasks",
        operation_id="listTasks",
        phase="fuzzing",
        subject="primary",
        request=HttpRequest(method="GET", url="http://127.0.0.1:1/tasks/v1/tasks?page=1"),
        response=HttpResponse(status=200, headers={"content-type": "application/json"}, body="{}"),
        curl="curl -X GET 'http://127.0.0.1:1/tasks/v1/tasks?page=1'",
    )


def requirement(
    outcome: Outcome, level: Level = Level.MUST, ident: str = "GDI-GEN-001"
) -> RequirementResult:
    return RequirementResult(
        id=ident,
        level=level,
        statement="Every response carries API-Version.",
        outcome=outcome,
        checks=["adr:version-header"],
        failures=[evidence()] if outcome is Outcome.FAILED else [],
    )


def sample_report() -> RunReport:
    requirements = [
        requirement(Outcome.FAILED),
        RequirementResult(
            id="GDI-GEN-002",
            level=Level.SHOULD,
            statement="Problem details.",
            outcome=Outcome.PASSED,
            checks=["adr:problem-details"],
            exceptions_applied=[
                AppliedException(
                    id="GDI-IDN-X01",
                    rule="/core/error-handling/problem-details",
                    reason="RFC 6749 error bodies.",
                    operations=["token"],
                    matched=2,
                    evidence=[
                        dataclasses.replace(evidence(), exception="GDI-IDN-X01", occurrences=2)
                    ],
                )
            ],
        ),
    ]
    completion = Completion(complete=True)
    return RunReport(
        run_id="0b5f2f5e-8c1a-4f3e-9a53-6a3d2e1f0c9b",
        tools=ToolVersions("0.1.0", "4.32.5", "6.1", "0.23.1", "3.11.2"),
        spec=SpecInfo(path="specs/x.yaml", sha256="a" * 64, title="Tasks", version="1.2.0"),
        profile=ProfileInfo(
            kind="generic", name="generic", version="1.0.0", sha256="b" * 64, id_prefix="GDI-GEN"
        ),
        base_url="http://127.0.0.1:1/tasks/v1",
        seed=7,
        budget=Budget(
            max_examples=10,
            max_time_s=None,
            workers=1,
            request_timeout_s=10.0,
            max_response_bytes=1024,
        ),
        started_at="2025-01-01T10:00:00Z",
        finished_at="2025-01-01T10:00:02.5Z",
        duration_s=2.5,
        completion=completion,
        verdict=decide_verdict(requirements, completion),
        summary=summarise(requirements, cases=12),
        requirements=requirements,
        checks=[CheckResult(id="adr:version-header", outcome=Outcome.FAILED, cases=12, failures=1)],
        phases=[PhaseResult(name="fuzzing", status="failed")],
        subjects=[
            SubjectInfo(
                name="primary", kind="static-headers", description="1 header: Authorization"
            )
        ],
        operations=[
            OperationCoverage(
                operation="GET /tasks",
                method="GET",
                path="/tasks",
                operation_id="listTasks",
                cases=12,
                cases_by_phase={"fuzzing": 12},
                status_codes={"200": 12},
                declared_status_codes=["200", "400"],
            )
        ],
        response_times=[
            ResponseTimeSample(operation="GET /tasks", phase="fuzzing", status=200, ms=3.5)
        ],
        errors=[RunError(title="Timeout", message="Read timed out", operation="GET /tasks")],
    )


def test_round_trip_is_lossless() -> None:
    report = sample_report()
    data = report.to_dict()
    assert RunReport.from_dict(json.loads(json.dumps(data))) == report


def test_report_validates_against_its_schema() -> None:
    validate_report(sample_report().to_dict())


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d.pop("run_id"), "run_id"),
        (lambda d: d.update(verdict="maybe"), "verdict"),
        (lambda d: d["requirements"][0].update(outcome="passed-ish"), "outcome"),
        (lambda d: d["requirements"][0].update(id="REQ-1"), "id"),
        (lambda d: d["spec"].update(sha256="xyz"), "sha256"),
        (lambda d: d["requirements"][0]["failures"][0].update(check="version-header"), "check"),
        (lambda d: d.update(extra=1), "extra"),
    ],
)
def test_schema_rejects_broken_reports(mutate: typing.Callable[[dict], object], where: str) -> None:
    data = copy.deepcopy(sample_report().to_dict())
    mutate(data)
    with pytest.raises(jsonschema.ValidationError) as caught:
        validate_report(data)
    assert where in str(caught.value)


def _fields(cls: type) -> set[str]:
    return {item.name for item in dataclasses.fields(cls)}


def test_schema_describes_every_model_field() -> None:
    schema = report_schema()
    assert set(schema["properties"]) == _fields(RunReport)
    for name, definition in schema["$defs"].items():
        if definition.get("type") == "object":
            cls = getattr(__import__("conformance.results", fromlist=[name]), name)
            assert set(definition["properties"]) == _fields(cls), name


def test_write_and_read_report(tmp_path) -> None:
    path = write_report(sample_report(), tmp_path / "out")
    assert path.name == "report.json"
    assert read_report(path) == sample_report()
    assert not [p for p in path.parent.iterdir() if p.name != "report.json"]


def test_failed_must_is_not_conformant() -> None:
    assert decide_verdict([requirement(Outcome.FAILED)], Completion(True)) is Verdict.NOT_CONFORMANT


def test_skipped_must_is_never_a_pass() -> None:
    verdict = decide_verdict([requirement(Outcome.SKIPPED)], Completion(True))
    assert verdict is Verdict.INCONCLUSIVE
    assert summarise([requirement(Outcome.SKIPPED)], 0).must_unproven == ["GDI-GEN-001"]


def test_error_must_is_inconclusive() -> None:
    assert decide_verdict([requirement(Outcome.ERROR)], Completion(True)) is Verdict.INCONCLUSIVE


def test_incomplete_run_cannot_conform() -> None:
    passed = [requirement(Outcome.PASSED)]
    assert decide_verdict(passed, Completion(False, "interrupted (SIGINT)")) is Verdict.INCONCLUSIVE
    assert decide_verdict(passed, Completion(True)) is Verdict.CONFORMANT


def test_should_failure_does_not_decide() -> None:
    results = [
        requirement(Outcome.PASSED),
        requirement(Outcome.FAILED, Level.SHOULD, "GDI-GEN-002"),
    ]
    assert decide_verdict(results, Completion(True)) is Verdict.CONFORMANT
    assert summarise(results, 3).should_failed == ["GDI-GEN-002"]


def test_not_applicable_must_counts_as_proven() -> None:
    assert (
        decide_verdict([requirement(Outcome.NOT_APPLICABLE)], Completion(True))
        is Verdict.CONFORMANT
    )
