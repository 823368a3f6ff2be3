"""Merging shard reports: outcomes combine by what they prove, counts add up."""

from __future__ import annotations

import dataclasses

import pytest
from support.sample_reports import evidence, make_report

from conformance.reports.merge import MergeError, combine_outcomes, merge_reports
from conformance.results import (
    HttpRequest,
    LoginRecord,
    LoginStep,
    Outcome,
    Verdict,
    validate_report,
)

F, E, P, N, S = (
    Outcome.FAILED,
    Outcome.ERROR,
    Outcome.PASSED,
    Outcome.NOT_APPLICABLE,
    Outcome.SKIPPED,
)


def shard(number: int, outcomes: dict[str, Outcome] | None = None, **kwargs):
    return make_report(outcomes, run_id=f"00000000-0000-4000-8000-00000000000{number}", **kwargs)


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        ((F, P), F),
        ((P, F), F),
        ((P, S), P),
        ((S, P), P),
        ((E, P), E),
        ((F, E), F),
        ((N, P), P),
        ((N, S), N),
        ((S, S), S),
    ],
)
def test_outcome_precedence(outcomes: tuple[Outcome, ...], expected: Outcome) -> None:
    assert combine_outcomes(outcomes) is expected


def test_failed_beats_passed_and_evidence_is_kept() -> None:
    merged = merge_reports([shard(1), shard(2, {"GDI-MSG-001": F})])
    result = merged.requirement("GDI-MSG-001")
    assert result.outcome is F
    assert result.failures and result.failures[0].check == "adr:version-header"
    assert merged.verdict is Verdict.NOT_CONFORMANT
    validate_report(merged.to_dict())


def test_the_logins_of_every_shard_are_kept() -> None:
    one, two = shard(1), shard(2)
    step = LoginStep(HttpRequest("GET", "https://idp.example/authorize?login_hint=1"))
    for report, check in ((one, "bb:a"), (two, "bb:b")):
        report.requirement("GDI-MSG-001").logins = [
            LoginRecord(check, "form", "redirected back to the client with a code", steps=[step])
        ]
    merged = merge_reports([one, two])
    assert [login.check for login in merged.requirement("GDI-MSG-001").logins] == ["bb:a", "bb:b"]
    validate_report(merged.to_dict())


def test_passed_beats_skipped() -> None:
    merged = merge_reports([shard(1, {"GDI-MSG-003": S}), shard(2)])
    assert merged.requirement("GDI-MSG-003").outcome is P
    assert merged.verdict is Verdict.CONFORMANT


def test_cases_coverage_and_samples_are_summed() -> None:
    one, two = shard(1), shard(2)
    merged = merge_reports([one, two])
    assert merged.summary.cases == one.summary.cases + two.summary.cases
    assert merged.requirement("GDI-MSG-001").cases == 80
    send = next(item for item in merged.operations if item.operation == "POST /messages")
    assert send.cases == 140
    assert send.status_codes == {"201": 80, "400": 58, "500": 2}
    assert send.cases_by_phase == {"examples": 10, "fuzzing": 130}
    assert len(merged.response_times) == 2 * len(one.response_times)
    assert merged.check("adr:version-header").cases == 80
    applied = merged.requirement("GDI-MSG-002").exceptions_applied[0]
    assert applied.matched == 4
    assert applied.evidence[0].occurrences == 2
    assert one.summary.cases == 120, "the inputs are not changed"


def test_identical_failures_fold_into_occurrences() -> None:
    merged = merge_reports([shard(1, {"GDI-MSG-001": F}), shard(2, {"GDI-MSG-001": F})])
    failures = merged.requirement("GDI-MSG-001").failures
    assert len(failures) == 1 and failures[0].occurrences == 2
    different = [evidence("GDI-MSG-001", "listInbox")]
    merged = merge_reports(
        [
            shard(1, {"GDI-MSG-001": F}),
            shard(2, {"GDI-MSG-001": F}, failures={"GDI-MSG-001": different}),
        ]
    )
    assert len(merged.requirement("GDI-MSG-001").failures) == 2


def test_any_incomplete_shard_makes_the_merge_incomplete() -> None:
    merged = merge_reports([shard(1), shard(2, complete=False, reason="interrupted (SIGINT)")])
    assert not merged.completion.complete
    assert merged.completion.reason == "shard 2 of 2: interrupted (SIGINT)"
    assert merged.verdict is Verdict.INCONCLUSIVE


def test_time_span_and_run_id() -> None:
    one = shard(1)
    two = dataclasses.replace(
        shard(2), started_at="2025-05-01T10:00:10.000Z", finished_at="2025-05-01T10:01:00.000Z"
    )
    merged = merge_reports([one, two])
    assert (merged.started_at, merged.finished_at) == (one.started_at, two.finished_at)
    assert merged.duration_s == 60.0
    assert merged.run_id == merge_reports([two, one]).run_id
    assert merged.run_id not in (one.run_id, two.run_id)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: setattr(r, "seed", 7), "seed"),
        (lambda r: setattr(r.spec, "sha256", "c" * 64), "spec sha256"),
        (lambda r: setattr(r, "base_url", "http://127.0.0.1:9/messaging/v1"), "base URL"),
        (lambda r: setattr(r.profile, "version", "2.0.0"), "profile"),
        (lambda r: setattr(r, "requirements", r.requirements[:-1]), "different requirements"),
    ],
)
def test_reports_of_different_runs_are_refused(change, message: str) -> None:
    other = shard(2)
    change(other)
    with pytest.raises(MergeError, match=message):
        merge_reports([shard(1), other])


def test_same_shard_twice_and_single_report_are_refused() -> None:
    with pytest.raises(MergeError, match="given twice"):
        merge_reports([shard(1), shard(1)])
    with pytest.raises(MergeError, match="at least two"):
        merge_reports([shard(1)])
