"""From tallies to outcomes: one result per check and one per requirement.

A requirement's outcome comes from the tallies of its checks, limited to its operations:
failed when a failure is left after the profile's exceptions are applied; error when a check
crashed or its requests got no answer; skipped when a check is not implemented or never ran;
not applicable when its checks ran over the API and found nothing subject to them; passed
otherwise. A failure an exception covers is moved, with its evidence, to the requirement's
``exceptions_applied``: visible, explained, and not counted against it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass

from conformance.engine.check_ids import PER_RESPONSE_CHECKS, checks_excused_by
from conformance.engine.collector import Tally
from conformance.engine.profile import Profile, ProfileException, Requirement
from conformance.results import (
    AppliedException,
    CheckResult,
    Evidence,
    Outcome,
    RequirementResult,
)


@dataclass(slots=True)
class Observed:
    """What the run saw, as assessment needs it."""

    tallies: dict[tuple[str, str | None], Tally]
    operation_ids: dict[str, str | None]  # label -> operationId
    operation_errors: dict[str, list[str]]  # label -> errors while testing it
    implemented: frozenset[str]
    ran: frozenset[str]  # checks that were carried out in this run (even with zero results)
    answered: bool  # at least one request of the run got an answer
    skip_reasons: dict[str, str]  # check id -> why it did not run


def _in_scope(
    label: str | None, operation_ids: dict[str, str | None], scope: tuple[str, ...]
) -> bool:
    """Whether a result counts for a requirement limited to ``scope`` (operationIds).

    Results about no spec operation (API-wide probes, methods a path does not declare) count
    for every requirement.
    """
    if not scope or label is None or label not in operation_ids:
        return True
    return operation_ids[label] in scope


def _tallies(
    observed: Observed, check: str, scope: tuple[str, ...]
) -> list[tuple[str | None, Tally]]:
    return [
        (label, tally)
        for (check_id, label), tally in observed.tallies.items()
        if check_id == check and _in_scope(label, observed.operation_ids, scope)
    ]


def _exception_for(
    evidence: Evidence, exceptions: Iterable[ProfileException]
) -> ProfileException | None:
    for exception in exceptions:
        if evidence.check not in checks_excused_by(exception.rule):
            continue
        if not exception.operations or evidence.operation_id in exception.operations:
            return exception
    return None


def _errors(observed: Observed, check: str, scope: tuple[str, ...]) -> list[str]:
    errors = [
        message for _, tally in _tallies(observed, check, scope) for message in tally.error_messages
    ]
    if check in PER_RESPONSE_CHECKS:
        for label, messages in observed.operation_errors.items():
            if _in_scope(label, observed.operation_ids, scope):
                errors += [f"{label}: {message}" for message in messages[:1]]
    return errors


def assess_requirement(
    requirement: Requirement, profile: Profile, observed: Observed
) -> RequirementResult:
    result = RequirementResult(
        id=requirement.id,
        level=requirement.level,
        statement=requirement.statement,
        outcome=Outcome.PASSED,
        checks=list(requirement.checks),
        adr=list(requirement.adr),
        operations=list(requirement.operations),
    )
    applied: dict[str, AppliedException] = {}
    missing: list[str] = []
    errors: list[str] = []
    for check in requirement.checks:
        if check not in observed.implemented or check not in observed.ran:
            missing.append(check)
            continue
        for _, tally in _tallies(observed, check, requirement.operations):
            result.cases += tally.cases
            for evidence in tally.evidence:
                exception = _exception_for(evidence, profile.exceptions)
                if exception is None:
                    result.failures.append(copy.copy(evidence))
                    continue
                entry = applied.setdefault(
                    exception.id,
                    AppliedException(
                        id=exception.id,
                        rule=exception.rule,
                        reason=exception.reason,
                        operations=list(exception.operations),
                    ),
                )
                excused = copy.copy(evidence)
                excused.exception = exception.id
                entry.matched += excused.occurrences
                entry.evidence.append(excused)
        errors += _errors(observed, check, requirement.operations)
    result.exceptions_applied = list(applied.values())
    result.errors = sorted(set(errors))
    if result.failures:
        result.outcome = Outcome.FAILED
    elif result.errors:
        result.outcome = Outcome.ERROR
        result.reason = "some requests got no answer or a check could not be carried out"
    elif missing:
        result.outcome = Outcome.SKIPPED
        reasons = [
            f"{check}: {observed.skip_reasons.get(check, 'did not run')}" for check in missing
        ]
        result.reason = "not proven: " + "; ".join(reasons)
    elif result.cases == 0 and not applied:
        if observed.answered:
            result.outcome = Outcome.NOT_APPLICABLE
            result.reason = "nothing this API answered was subject to its checks"
        else:
            result.outcome = Outcome.SKIPPED
            result.reason = "no request of the run got an answer"
    return result


def assess_check(check: str, observed: Observed) -> CheckResult:
    if check not in observed.implemented:
        return CheckResult(
            id=check,
            outcome=Outcome.SKIPPED,
            implemented=False,
            reason=observed.skip_reasons.get(check, "not implemented by this engine"),
        )
    tallies = _tallies(observed, check, ())
    result = CheckResult(
        id=check,
        outcome=Outcome.PASSED,
        cases=sum(tally.cases for _, tally in tallies),
        failures=sum(tally.failures for _, tally in tallies),
        errors=sum(tally.errors for _, tally in tallies),
    )
    if check not in observed.ran:
        result.outcome = Outcome.SKIPPED
        result.reason = observed.skip_reasons.get(check, "did not run")
    elif result.failures:
        result.outcome = Outcome.FAILED
    elif result.errors:
        result.outcome = Outcome.ERROR
    elif result.cases == 0:
        result.outcome = Outcome.NOT_APPLICABLE if observed.answered else Outcome.SKIPPED
    return result
