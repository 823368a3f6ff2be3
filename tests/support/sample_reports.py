"""Run reports built by hand, for testing what reads them (certification, writers, merge).

``make_report(...)`` gives a complete, schema-valid report of a messaging run; its arguments
say which requirements have which outcome, so each test states exactly the case it is about.
"""

from __future__ import annotations

import dataclasses

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
    ProductInfo,
    ProfileInfo,
    RequirementResult,
    ResponseTimeSample,
    RunReport,
    SpecInfo,
    SubjectInfo,
    ToolVersions,
    decide_verdict,
    summarise,
)

BASE_URL = "http://127.0.0.1:8123/messaging/v1"

STATEMENTS = {
    "GDI-MSG-001": "Every response carries the API-Version header.",
    "GDI-MSG-002": "Errors are problem+json documents.",
    "GDI-MSG-003": "A message is only sent with the messaging:send scope.",
    "GDI-MSG-010": "Responses carry the ADR security headers.",
    "GDI-MSG-020": "Date-times are written in RFC 3339 with a time zone.",
}
LEVELS = {
    "GDI-MSG-001": Level.MUST,
    "GDI-MSG-002": Level.MUST,
    "GDI-MSG-003": Level.MUST,
    "GDI-MSG-010": Level.SHOULD,
    "GDI-MSG-020": Level.MAY,
}
CHECKS = {
    "GDI-MSG-001": "adr:version-header",
    "GDI-MSG-002": "adr:problem-details",
    "GDI-MSG-003": "sec:missing-token",
    "GDI-MSG-010": "adr:security-headers",
    "GDI-MSG-020": "adr:date-time-format",
}
OPERATIONS = {
    "sendMessage": ("POST", "/messages"),
    "listInbox": ("GET", "/inbox"),
}


def evidence(requirement: str = "GDI-MSG-001", operation_id: str = "sendMessage") -> Evidence:
    method, path = OPERATIONS[operation_id]
    return Evidence(
        check=CHECKS[requirement],
        title="API-Version header missing",
        message="The response has no API-Version header; expected 1.0.0.",
        operation=f"{method} {path}",
        operation_id=operation_id,
        phase="fuzzing",
        subject="primary",
        request=HttpRequest(
            method=method,
            url=f"{BASE_URL}{path}",
            headers={"Authorization": "[REDACTED]", "Content-Type": "application/json"},
            body='{"recipient": "999993653", "subject": "<Herinnering>"}',
            body_bytes=52,
        ),
        response=HttpResponse(
            status=201,
            headers={"content-type": "application/json"},
            body='{"id": "m-1"}',
            body_bytes=13,
            elapsed_ms=4.2,
        ),
        curl=f"curl -X {method} '{BASE_URL}{path}' -H 'Authorization: [REDACTED]'",
    )


def requirement(
    ident: str, outcome: Outcome, failures: list[Evidence] | None = None
) -> RequirementResult:
    if failures is None:
        failures = [evidence(ident)] if outcome is Outcome.FAILED else []
    reasons = {
        Outcome.SKIPPED: "not implemented by this engine",
        Outcome.ERROR: "connection refused",
        Outcome.NOT_APPLICABLE: "no operation returns date-times",
    }
    return RequirementResult(
        id=ident,
        level=LEVELS[ident],
        statement=STATEMENTS[ident],
        outcome=outcome,
        checks=[CHECKS[ident]],
        adr=["/core/version-header"] if ident == "GDI-MSG-001" else [],
        operations=["sendMessage"] if ident == "GDI-MSG-003" else [],
        reason=reasons.get(outcome),
        cases=0 if outcome in (Outcome.SKIPPED, Outcome.ERROR) else 40,
        failures=failures,
        errors=["connection refused"] if outcome is Outcome.ERROR else [],
    )


def make_report(
    outcomes: dict[str, Outcome] | None = None,
    *,
    complete: bool = True,
    reason: str | None = None,
    failures: dict[str, list[Evidence]] | None = None,
    product: ProductInfo | None = None,
    run_id: str = "0b5f2f5e-8c1a-4f3e-9a53-6a3d2e1f0c9b",
    seed: int = 42,
) -> RunReport:
    """A report in which every requirement passed, except where ``outcomes`` says otherwise."""
    chosen = {ident: Outcome.PASSED for ident in STATEMENTS}
    chosen.update(outcomes or {})
    failures = failures or {}
    requirements = [
        requirement(ident, outcome, failures.get(ident)) for ident, outcome in chosen.items()
    ]
    if chosen["GDI-MSG-002"] is Outcome.PASSED:
        requirements[1].exceptions_applied = [
            AppliedException(
                id="GDI-MSG-X01",
                rule="/core/error-handling/problem-details",
                reason="The CloudEvents callback answers with the receiver's own body.",
                operations=["listInbox"],
                matched=2,
                evidence=[
                    dataclasses.replace(
                        evidence("GDI-MSG-002", "listInbox"), exception="GDI-MSG-X01"
                    )
                ],
            )
        ]
    completion = Completion(complete=complete, reason=reason)
    checks = [
        CheckResult(
            id=CHECKS[item.id],
            outcome=item.outcome,
            cases=item.cases,
            failures=len(item.failures),
            implemented=item.outcome is not Outcome.SKIPPED,
            reason=item.reason,
        )
        for item in requirements
    ]
    return RunReport(
        run_id=run_id,
        tools=ToolVersions("0.1.0", "4.32.5", "6.140.0", "0.19.5", "3.11.2"),
        spec=SpecInfo(
            path="specs/messaging/v1/openapi.yaml",
            sha256="a" * 64,
            title="Messaging",
            version="1.0.0",
            openapi_version="3.0.3",
        ),
        profile=ProfileInfo(
            kind="block",
            name="messaging",
            version="1.0.0",
            sha256="b" * 64,
            id_prefix="GDI-MSG",
            path="specs/messaging/v1/profile.yaml",
        ),
        base_url=BASE_URL,
        seed=seed,
        budget=Budget(
            max_examples=25,
            max_time_s=None,
            workers=1,
            request_timeout_s=10.0,
            max_response_bytes=1048576,
        ),
        started_at="2025-05-01T10:00:00.000Z",
        finished_at="2025-05-01T10:00:31.500Z",
        duration_s=31.5,
        completion=completion,
        verdict=decide_verdict(requirements, completion),
        summary=summarise(requirements, cases=120),
        requirements=requirements,
        checks=checks,
        phases=[
            PhaseResult(name="probes", status="passed"),
            PhaseResult(name="fuzzing", status="failed"),
        ],
        subjects=[
            SubjectInfo(
                name="primary",
                kind="identity-client",
                description="client 'gemeente-utrecht' at http://127.0.0.1:8122/identity/v1",
            )
        ],
        operations=[
            OperationCoverage(
                operation="POST /messages",
                method="POST",
                path="/messages",
                operation_id="sendMessage",
                cases=70,
                cases_by_phase={"examples": 5, "fuzzing": 65},
                status_codes={"201": 40, "400": 29, "500": 1},
                declared_status_codes=["201", "400", "401"],
                failures=sum(len(item.failures) for item in requirements),
            ),
            OperationCoverage(
                operation="GET /inbox",
                method="GET",
                path="/inbox",
                operation_id="listInbox",
                cases=50,
                cases_by_phase={"fuzzing": 50},
                status_codes={"200": 50},
                declared_status_codes=["200", "401"],
            ),
        ],
        response_times=[
            ResponseTimeSample(operation="POST /messages", phase="fuzzing", status=201, ms=ms)
            for ms in (3.0, 4.5, 5.0, 7.5, 12.0, 40.0)
        ]
        + [
            ResponseTimeSample(operation="GET /inbox", phase="fuzzing", status=200, ms=ms)
            for ms in (1.0, 1.5, 2.0, 2.5)
        ],
        product=product,
    )
