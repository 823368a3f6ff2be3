"""Certification rules: one test per rule, each with the case that flips it."""

from __future__ import annotations

import datetime as dt

import pytest
from support.sample_reports import evidence, make_report

from conformance.reports.certification import (
    CertificationVerdict,
    Standing,
    certify,
    score,
)
from conformance.reports.waivers import Waiver
from conformance.results import Outcome

TODAY = dt.date(2025, 6, 1)
V = CertificationVerdict


def waiver(requirement: str, expires: dt.date, operation: str | None = None) -> Waiver:
    return Waiver(
        requirement=requirement, reason="fix due in sprint 12", expires=expires, operation=operation
    )


def test_every_must_passed_is_certified() -> None:
    result = certify(make_report(), today=TODAY)
    assert result.verdict is V.CERTIFIED
    assert result.score == 100
    assert result.reasons[0] == "every MUST requirement passed"


def test_failed_must_is_not_certified() -> None:
    result = certify(make_report({"GDI-MSG-001": Outcome.FAILED}), today=TODAY)
    assert result.verdict is V.NOT_CERTIFIED
    assert "MUST requirement(s) failed: GDI-MSG-001" in result.reasons


def test_failed_should_is_certified_with_remarks() -> None:
    result = certify(make_report({"GDI-MSG-010": Outcome.FAILED}), today=TODAY)
    assert result.verdict is V.CERTIFIED_WITH_REMARKS
    assert "SHOULD requirement(s) failed: GDI-MSG-010" in result.reasons


def test_failed_may_changes_only_the_score() -> None:
    result = certify(make_report({"GDI-MSG-020": Outcome.FAILED}), today=TODAY)
    assert result.verdict is V.CERTIFIED
    assert result.score < 100


@pytest.mark.parametrize("outcome", [Outcome.SKIPPED, Outcome.ERROR])
def test_must_not_executed_is_incomplete_never_passed(outcome: Outcome) -> None:
    result = certify(make_report({"GDI-MSG-003": outcome}), today=TODAY)
    assert result.verdict is V.INCOMPLETE
    assert result.standing("GDI-MSG-003").standing is Standing(outcome.value)
    assert any("not executed" in reason and "GDI-MSG-003" in reason for reason in result.reasons)


def test_skipped_should_does_not_block_certification() -> None:
    assert (
        certify(make_report({"GDI-MSG-010": Outcome.SKIPPED}), today=TODAY).verdict is V.CERTIFIED
    )


def test_interrupted_run_is_incomplete() -> None:
    report = make_report(complete=False, reason="interrupted (SIGINT)")
    result = certify(report, today=TODAY)
    assert result.verdict is V.INCOMPLETE
    assert "the run did not finish: interrupted (SIGINT)" in result.reasons


def test_target_lost_mid_run_is_incomplete() -> None:
    report = make_report(complete=False, reason="the target stopped responding during the run")
    assert certify(report, today=TODAY).verdict is V.INCOMPLETE


def test_failed_must_decides_before_an_incomplete_run() -> None:
    report = make_report({"GDI-MSG-001": Outcome.FAILED}, complete=False, reason="interrupted")
    assert certify(report, today=TODAY).verdict is V.NOT_CERTIFIED


def test_not_applicable_must_is_no_obstacle_and_left_out_of_the_score() -> None:
    report = make_report({"GDI-MSG-020": Outcome.NOT_APPLICABLE})
    result = certify(report, today=TODAY)
    assert result.verdict is V.CERTIFIED
    assert result.score == 100


def test_waived_must_failure_is_certified_and_shown_as_waived() -> None:
    report = make_report({"GDI-MSG-001": Outcome.FAILED})
    result = certify(report, [waiver("GDI-MSG-001", dt.date(2025, 6, 30))], today=TODAY)
    assert result.verdict is V.CERTIFIED
    standing = result.standing("GDI-MSG-001")
    assert standing.standing is Standing.WAIVED
    assert standing.note == "waived until 2025-06-30: fix due in sprint 12"
    assert standing.result.failures, "the waived failure keeps its evidence"
    assert result.waivers_applied == [waiver("GDI-MSG-001", dt.date(2025, 6, 30))]
    assert "failure(s) accepted by a waiver: GDI-MSG-001" in result.reasons


def test_waiver_holds_through_its_expiry_day() -> None:
    report = make_report({"GDI-MSG-001": Outcome.FAILED})
    result = certify(report, [waiver("GDI-MSG-001", TODAY)], today=TODAY)
    assert result.verdict is V.CERTIFIED


def test_expired_waiver_counts_as_failure_and_says_so() -> None:
    report = make_report({"GDI-MSG-001": Outcome.FAILED})
    expired = waiver("GDI-MSG-001", dt.date(2025, 5, 31))
    result = certify(report, [expired], today=TODAY)
    assert result.verdict is V.NOT_CERTIFIED
    standing = result.standing("GDI-MSG-001")
    assert standing.standing is Standing.FAILED
    assert standing.note == "the waiver expired on 2025-05-31, so the failure counts"
    assert result.waivers_expired == [expired]
    assert result.waivers_applied == []


def test_operation_waiver_covers_only_that_operation() -> None:
    failures = [evidence("GDI-MSG-001", "sendMessage"), evidence("GDI-MSG-001", "listInbox")]
    report = make_report({"GDI-MSG-001": Outcome.FAILED}, failures={"GDI-MSG-001": failures})
    only_send = waiver("GDI-MSG-001", dt.date(2025, 12, 31), operation="sendMessage")
    result = certify(report, [only_send], today=TODAY)
    assert result.verdict is V.NOT_CERTIFIED
    assert result.standing("GDI-MSG-001").note == (
        "the waiver does not cover the failure(s) on listInbox"
    )
    both = [only_send, waiver("GDI-MSG-001", dt.date(2025, 12, 31), operation="GET /inbox")]
    assert certify(report, both, today=TODAY).verdict is V.CERTIFIED


def test_waiver_for_a_passed_requirement_is_reported_unused() -> None:
    unneeded = waiver("GDI-MSG-002", dt.date(2025, 12, 31))
    unknown = waiver("GDI-MSG-099", dt.date(2025, 12, 31))
    result = certify(make_report(), [unneeded, unknown], today=TODAY)
    assert result.verdict is V.CERTIFIED
    reasons = dict(result.waivers_unused)
    assert reasons[unneeded] == "not needed: GDI-MSG-002 passed"
    assert reasons[unknown] == "the messaging profile has no requirement GDI-MSG-099"


def test_waiver_never_turns_a_skipped_must_into_a_pass() -> None:
    report = make_report({"GDI-MSG-003": Outcome.SKIPPED})
    result = certify(report, [waiver("GDI-MSG-003", dt.date(2025, 12, 31))], today=TODAY)
    assert result.verdict is V.INCOMPLETE


def test_waived_should_failure_removes_the_remark() -> None:
    report = make_report({"GDI-MSG-010": Outcome.FAILED})
    result = certify(report, [waiver("GDI-MSG-010", dt.date(2025, 12, 31))], today=TODAY)
    assert result.verdict is V.CERTIFIED


def test_score_weights_levels_and_gives_nothing_for_waivers() -> None:
    # 3 MUST (weight 3), 1 SHOULD (2), 1 MAY (1): total 12.
    assert certify(make_report({"GDI-MSG-020": Outcome.FAILED}), today=TODAY).score == 91  # 11/12
    assert certify(make_report({"GDI-MSG-010": Outcome.FAILED}), today=TODAY).score == 83  # 10/12
    must_failed = make_report({"GDI-MSG-001": Outcome.FAILED})
    assert certify(must_failed, today=TODAY).score == 75  # 9/12
    waived = certify(must_failed, [waiver("GDI-MSG-001", dt.date(2025, 12, 31))], today=TODAY)
    assert waived.score == 75
    skipped = make_report({"GDI-MSG-003": Outcome.SKIPPED})
    assert certify(skipped, today=TODAY).score == 75


def test_score_of_nothing_applicable_is_zero() -> None:
    assert score([]) == 0
