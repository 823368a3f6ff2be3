"""Combine the reports of shards of one run (``run --shard i/n``) into one report.

Shards test disjoint parts of the same API with the same spec, profile, seed and harness, so
they must agree on those; anything else is refused. Outcomes combine by what they prove:

    failed > error > passed > not_applicable > skipped

A failure anywhere fails the requirement; an error leaves part of it unproven; a shard that
passed beats one that had nothing to test (not applicable) or did not test it (skipped).
Cases, failures and coverage are summed; the merged run is complete only if every shard is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from typing import TypeVar

from conformance.results import (
    AppliedException,
    CheckResult,
    Completion,
    Evidence,
    OperationCoverage,
    Outcome,
    PhaseResult,
    RequirementResult,
    RunReport,
    SubjectInfo,
    decide_verdict,
    summarise,
)

PRECEDENCE = (
    Outcome.FAILED,
    Outcome.ERROR,
    Outcome.PASSED,
    Outcome.NOT_APPLICABLE,
    Outcome.SKIPPED,
)
PHASE_PRECEDENCE = ("failed", "error", "interrupted", "passed", "skipped")
T = TypeVar("T")
_NAMESPACE = uuid.UUID("6f0e4d1c-3b0a-4c55-9d4e-2f1a7c9b8e01")


class MergeError(Exception):
    """The reports cannot be combined; the message says which differ and how."""


def combine_outcomes(outcomes: Iterable[Outcome]) -> Outcome:
    present = set(outcomes)
    for outcome in PRECEDENCE:
        if outcome in present:
            return outcome
    return Outcome.SKIPPED


def _same(reports: list[RunReport], what: str, value: Callable[[RunReport], object]) -> None:
    seen = {str(value(report)) for report in reports}
    if len(seen) > 1:
        raise MergeError(
            f"the reports differ in {what} ({', '.join(sorted(seen))}): not shards of one run"
        )


def _check_compatible(reports: list[RunReport]) -> None:
    if len(reports) < 2:
        raise MergeError("give at least two shard reports to merge")
    ids = [report.run_id for report in reports]
    duplicates = sorted({ident for ident in ids if ids.count(ident) > 1})
    if duplicates:
        raise MergeError(f"the same shard was given twice (run id {duplicates[0]})")
    _same(reports, "spec sha256", lambda r: r.spec.sha256)
    _same(reports, "profile", lambda r: f"{r.profile.name} {r.profile.version} {r.profile.sha256}")
    _same(reports, "base URL", lambda r: r.base_url)
    _same(reports, "seed", lambda r: r.seed)
    _same(reports, "harness version", lambda r: r.tools.gdi_conformance)
    _same(reports, "Schemathesis version", lambda r: r.tools.schemathesis)
    _same(reports, "product", lambda r: r.product)
    _check_shards(reports)
    order = [[item.id for item in report.requirements] for report in reports]
    if any(set(ids) != set(order[0]) for ids in order):
        raise MergeError("the reports list different requirements: not shards of one run")


def _check_shards(reports: list[RunReport]) -> None:
    """Reports of ``run --shard I/N`` must be distinct shards of one split."""
    shards = [report.shard for report in reports]
    if all(shard is None for shard in shards):
        return
    if any(shard is None for shard in shards):
        raise MergeError("some reports are shards (run --shard) and some are whole runs")
    counts = {shard.count for shard in shards if shard is not None}
    if len(counts) > 1:
        raise MergeError(f"the shards come from splits into {sorted(counts)} parts: not one run")
    indexes = [shard.index for shard in shards if shard is not None]
    twice = sorted({index for index in indexes if indexes.count(index) > 1})
    if twice:
        raise MergeError(f"shard {twice[0]} was given twice")


def _missing_shards(reports: list[RunReport]) -> list[int]:
    shards = [report.shard for report in reports if report.shard is not None]
    if not shards:
        return []
    present = {shard.index for shard in shards}
    return [index for index in range(1, shards[0].count + 1) if index not in present]


def _merge_evidence(groups: Iterable[list[Evidence]]) -> list[Evidence]:
    merged: dict[tuple[str, str | None, str, str | None], Evidence] = {}
    for evidence_list in groups:
        for item in evidence_list:
            key = (item.check, item.operation, item.title, item.exception)
            if key in merged:
                merged[key].occurrences += item.occurrences
            else:
                merged[key] = dataclasses.replace(item)
    return list(merged.values())


def _merge_exceptions(groups: Iterable[list[AppliedException]]) -> list[AppliedException]:
    merged: dict[str, AppliedException] = {}
    for applied_list in groups:
        for item in applied_list:
            if item.id in merged:
                target = merged[item.id]
                target.matched += item.matched
                target.evidence = _merge_evidence([target.evidence, item.evidence])
            else:
                merged[item.id] = dataclasses.replace(item, evidence=list(item.evidence))
    return list(merged.values())


def _first_reason(
    items: list[T], outcome: Outcome, reason: Callable[[T], str | None]
) -> str | None:
    for item in items:
        if getattr(item, "outcome", None) is outcome and reason(item):
            return reason(item)
    return None


def _merge_requirement(items: list[RequirementResult]) -> RequirementResult:
    outcome = combine_outcomes(item.outcome for item in items)
    first = items[0]
    errors: list[str] = []
    for item in items:
        errors += [message for message in item.errors if message not in errors]
    return dataclasses.replace(
        first,
        outcome=outcome,
        reason=_first_reason(items, outcome, lambda r: r.reason),
        cases=sum(item.cases for item in items),
        evidence_cases=sum(item.evidence_cases for item in items),
        failures=_merge_evidence(item.failures for item in items),
        errors=errors,
        exceptions_applied=_merge_exceptions(item.exceptions_applied for item in items),
        logins=[login for item in items for login in item.logins],
    )


def _merge_check(items: list[CheckResult]) -> CheckResult:
    outcome = combine_outcomes(item.outcome for item in items)
    return dataclasses.replace(
        items[0],
        outcome=outcome,
        implemented=any(item.implemented for item in items),
        cases=sum(item.cases for item in items),
        evidence_cases=sum(item.evidence_cases for item in items),
        failures=sum(item.failures for item in items),
        errors=sum(item.errors for item in items),
        reason=_first_reason(items, outcome, lambda c: c.reason),
    )


def _add_counts(target: dict[str, int], source: dict[str, int]) -> None:
    for key, value in source.items():
        target[key] = target.get(key, 0) + value


def _merge_operations(reports: list[RunReport]) -> list[OperationCoverage]:
    merged: dict[str, OperationCoverage] = {}
    for report in reports:
        for item in report.operations:
            if item.operation not in merged:
                merged[item.operation] = dataclasses.replace(
                    item,
                    cases_by_phase=dict(item.cases_by_phase),
                    status_codes=dict(item.status_codes),
                    declared_status_codes=list(item.declared_status_codes),
                )
                continue
            target = merged[item.operation]
            target.cases += item.cases
            target.failures += item.failures
            target.errors += item.errors
            _add_counts(target.cases_by_phase, item.cases_by_phase)
            _add_counts(target.status_codes, item.status_codes)
    return list(merged.values())


def _merge_phases(reports: list[RunReport]) -> list[PhaseResult]:
    by_name: dict[str, list[PhaseResult]] = {}
    for report in reports:
        for phase in report.phases:
            by_name.setdefault(phase.name, []).append(phase)
    merged = []
    for name, phases in by_name.items():
        statuses = {phase.status for phase in phases}
        status = next((s for s in PHASE_PRECEDENCE if s in statuses), phases[0].status)
        reason = next((p.reason for p in phases if p.status == status and p.reason), None)
        merged.append(PhaseResult(name=name, status=status, reason=reason))
    return merged


def _merge_subjects(reports: list[RunReport]) -> list[SubjectInfo]:
    seen: dict[str, SubjectInfo] = {}
    for report in reports:
        for subject in report.subjects:
            seen.setdefault(subject.name, subject)
    return list(seen.values())


def _parse(moment: str) -> dt.datetime:
    return dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))


def _completion(reports: list[RunReport]) -> Completion:
    unfinished = [
        f"shard {_shard_number(report, index)} of {_shard_count(reports)}: "
        f"{report.completion.reason or 'did not finish'}"
        for index, report in enumerate(reports, start=1)
        if not report.completion.complete
    ]
    missing = _missing_shards(reports)
    if missing:
        unfinished.append(
            f"shard(s) {', '.join(map(str, missing))} of {_shard_count(reports)} not merged"
        )
    if unfinished:
        return Completion(complete=False, reason="; ".join(unfinished))
    return Completion(complete=True)


def _shard_number(report: RunReport, position: int) -> int:
    return report.shard.index if report.shard is not None else position


def _shard_count(reports: list[RunReport]) -> int:
    first = reports[0].shard
    return first.count if first is not None else len(reports)


def merge_reports(reports: list[RunReport]) -> RunReport:
    """One report for the whole run; ``MergeError`` if the reports are not shards of one run."""
    _check_compatible(reports)
    reports = sorted(reports, key=lambda report: report.shard.index if report.shard else 0)
    first = reports[0]
    requirement_ids = [item.id for item in first.requirements]
    requirements = [
        _merge_requirement([report.requirement(ident) for report in reports])
        for ident in requirement_ids
    ]
    check_ids: list[str] = []
    for report in reports:
        check_ids += [item.id for item in report.checks if item.id not in check_ids]
    checks = [
        _merge_check([item for report in reports for item in report.checks if item.id == ident])
        for ident in check_ids
    ]
    started = min(reports, key=lambda r: _parse(r.started_at)).started_at
    finished = max(reports, key=lambda r: _parse(r.finished_at)).finished_at
    completion = _completion(reports)
    cases = sum(report.summary.cases for report in reports)
    return dataclasses.replace(
        first,
        run_id=str(uuid.uuid5(_NAMESPACE, " ".join(sorted(r.run_id for r in reports)))),
        started_at=started,
        finished_at=finished,
        duration_s=round((_parse(finished) - _parse(started)).total_seconds(), 3),
        completion=completion,
        verdict=decide_verdict(requirements, completion),
        summary=summarise(requirements, cases),
        requirements=requirements,
        checks=checks,
        phases=_merge_phases(reports),
        subjects=_merge_subjects(reports),
        operations=_merge_operations(reports),
        response_times=[sample for report in reports for sample in report.response_times],
        errors=[error for report in reports for error in report.errors],
        shard=None,
    )
