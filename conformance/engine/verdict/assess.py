"""From tallies to outcomes: one result per check and one per requirement.

A requirement's outcome comes from the tallies of its checks, limited to its operations:
failed when a failure is left after the profile's exceptions are applied; error when a check
crashed or its requests got no answer; skipped when a check is not implemented or never ran;
skipped ("not executed") when no exchange met the precondition of any of its checks (see
``facts``), with the reason in plain words; not applicable when the spec declares nothing its
checks are about; passed only with evidence and no failure (a check without evidence is named,
with why, in the reason of a requirement that passed on the evidence of its others). A failure an
exception covers is moved, with its evidence, to the requirement's ``exceptions_applied``:
visible, explained, and not counted against it.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from conformance.engine.catalogue import (
    CATALOGUE,
    ENSURE_RESOURCE_AVAILABILITY,
    Kind,
    checks_excused_by,
)
from conformance.engine.fuzzing.collector import Tally
from conformance.results import (
    AppliedException,
    CheckResult,
    Evidence,
    Level,
    Outcome,
    RequirementResult,
)
from conformance.spec.profile import Profile, ProfileException, Requirement


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
    statuses: dict[str, dict[str, int]] = field(default_factory=dict)  # label -> status -> n
    # Some request was answered other than 401, 403 or 404: it reached an operation.
    routed: bool = True
    not_applicable: dict[str, str] = field(default_factory=dict)  # check id -> why
    secured: frozenset[str] = frozenset()  # labels of the operations that demand credentials


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
    declared = CATALOGUE.get(check)
    if declared is not None and declared.per_response:
        for label, messages in observed.operation_errors.items():
            if _in_scope(label, observed.operation_ids, scope):
                errors += [f"{label}: {message}" for message in messages[:1]]
    return errors


def diagnose(statuses: Counter[str]) -> str | None:
    """What every answer in ``statuses`` had in common, when that explains missing evidence."""
    codes = {code for code, count in statuses.items() if count}
    # 405s answer the methods a path does not declare: they say nothing of the operations.
    codes = codes - {"405"} or codes
    if not codes:
        return "no request got an answer"
    if codes <= {"401", "403"}:
        shown = " or ".join(sorted(codes))
        return f"every request was answered {shown}: check the credentials"
    if codes == {"404"}:
        return "every request was answered 404: check the base URL"
    if all(code.startswith("5") for code in codes):
        shown = ", ".join(sorted(codes))
        return f"every request was answered {shown}: the implementation fails every request"
    return None


def _statuses(observed: Observed, scope: tuple[str, ...], *, secured: bool = False) -> Counter[str]:
    counts: Counter[str] = Counter()
    for label, codes in observed.statuses.items():
        if secured and label not in observed.secured:
            continue
        if _in_scope(label, observed.operation_ids, scope):
            counts.update(codes)
    return counts


def _diagnosis(observed: Observed, scope: tuple[str, ...]) -> str | None:
    """What every answer had in common; else what every answer of a secured operation had
    (a wrong token, where some operations are open to everyone)."""
    found = diagnose(_statuses(observed, scope))
    if found is None and observed.secured:
        secured = _statuses(observed, scope, secured=True)
        if secured and set(secured) - {"405"} <= {"401", "403"}:
            found = diagnose(secured)
            if found is not None:
                found = found.replace("every request", "every request to a secured operation")
    return found


def _missing(check: str, observed: Observed, scope: tuple[str, ...]) -> str:
    """Why ``check`` has no evidence, in its own terms."""
    declared = CATALOGUE.get(check)
    if not observed.operation_ids:
        return "the spec declares no operation to test"
    missing = declared.precondition.missing if declared else "no exchange was evidence for it"
    if check == ENSURE_RESOURCE_AVAILABILITY and not _statuses(observed, scope).get("201"):
        missing = "no 201 was ever returned"
    return missing


def _not_executed(checks: list[str], observed: Observed, scope: tuple[str, ...]) -> str:
    """Why a requirement is not executed: what the answers had in common (when that explains
    it), then each check's own reason."""
    if not observed.operation_ids:
        return "the spec declares no operation to test"
    found = _diagnosis(observed, scope)
    each = "; ".join(f"{check}: {_missing(check, observed, scope)}" for check in checks)
    return f"{found} ({each})" if found else each


@dataclass(slots=True)
class _Proof:
    """What one check showed for one requirement."""

    cases: int = 0
    met: int = 0
    not_applicable: bool = False
    excused: bool = False  # a failure an exception covers: the check did see something


def _prove(
    check: str, requirement: Requirement, observed: Observed, tallies: list[Tally]
) -> _Proof:
    declared = CATALOGUE.get(check)
    proof = _Proof(cases=sum(tally.cases for tally in tallies))
    met = sum(tally.met for tally in tallies)
    if declared is not None and declared.precondition.routed and not observed.routed:
        met -= sum(tally.met_404 for tally in tallies)
    proof.met = met
    if check in observed.not_applicable:
        proof.not_applicable = True
    elif declared is not None and not declared.per_response and met == 0:
        # An active check that said, for everything it looked at, "not subject to me"; unless
        # the spec declares what it is about (then it is not executed: see _why_no_evidence).
        proof.not_applicable = declared.precondition.applies is None and any(
            tally.not_applicable for tally in tallies
        )
    return proof


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
        vendor_independent=_vendor_independent(requirement),
    )
    applied: dict[str, AppliedException] = {}
    missing: list[str] = []
    unproven: list[str] = []
    not_applicable: list[str] = []
    errors: list[str] = []
    for check in requirement.checks:
        if check not in observed.implemented or check not in observed.ran:
            missing.append(check)
            continue
        tallies = [tally for _, tally in _tallies(observed, check, requirement.operations)]
        proof = _prove(check, requirement, observed, tallies)
        result.logins += [copy.copy(login) for tally in tallies for login in tally.logins]
        result.cases += proof.cases
        result.evidence_cases += max(proof.met, 0)
        if _file_evidence(result, applied, tallies, profile):
            proof.excused = True
        errors += _errors(observed, check, requirement.operations)
        if proof.not_applicable:
            why = observed.not_applicable.get(check, "nothing in this API is subject to it")
            not_applicable.append(f"{check}: {why}")
        elif proof.met <= 0 and not proof.excused:
            unproven.append(check)
    result.exceptions_applied = list(applied.values())
    result.errors = sorted(set(errors))
    _settle(result, requirement, observed, missing, unproven, not_applicable)
    return result


def _settle(
    result: RequirementResult,
    requirement: Requirement,
    observed: Observed,
    missing: list[str],
    unproven: list[str],
    not_applicable: list[str],
) -> None:
    """The outcome and its reason: a failure first, then errors, checks that did not run,
    checks without evidence, and last a requirement nothing in the API is subject to."""
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
    elif unproven and result.evidence_cases == 0:
        result.outcome = Outcome.SKIPPED
        result.reason = _not_executed(unproven, observed, requirement.operations)
    elif unproven:
        # Passed on the evidence of its other checks; say which had none, and why.
        each = "; ".join(
            f"{check}: {_missing(check, observed, requirement.operations)}" for check in unproven
        )
        result.reason = f"passed on the evidence of its other checks; no evidence for {each}"
    elif len(not_applicable) == len(requirement.checks):
        result.outcome = Outcome.NOT_APPLICABLE
        result.reason = "; ".join(not_applicable)


def _file_evidence(
    result: RequirementResult,
    applied: dict[str, AppliedException],
    tallies: list[Tally],
    profile: Profile,
) -> bool:
    """Each failure into the result, or under the profile exception that excuses it;
    whether any was excused."""
    excused_any = False
    for tally in tallies:
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
            excused_any = True
    return excused_any


def _vendor_independent(requirement: Requirement) -> bool:
    """Every check of the requirement is about the catalogue's spec, not the implementation."""
    kinds = [CATALOGUE.get(check) for check in requirement.checks]
    return bool(kinds) and all(item is not None and item.kind is Kind.STATIC for item in kinds)


def assess_check(check: str, observed: Observed) -> CheckResult:
    declared = CATALOGUE.get(check)
    if check not in observed.implemented:
        return CheckResult(
            id=check,
            outcome=Outcome.SKIPPED,
            implemented=False,
            reason=observed.skip_reasons.get(check, "not implemented by this engine"),
        )
    tallies = [tally for _, tally in _tallies(observed, check, ())]
    proof = _prove(check, Requirement("", Level.MUST, "", (check,)), observed, tallies)
    result = CheckResult(
        id=check,
        outcome=Outcome.PASSED,
        cases=proof.cases,
        failures=sum(tally.failures for tally in tallies),
        errors=sum(tally.errors for tally in tallies),
        evidence_cases=max(proof.met, 0),
        precondition=declared.precondition.describe if declared else None,
    )
    if check not in observed.ran:
        result.outcome = Outcome.SKIPPED
        result.reason = observed.skip_reasons.get(check, "did not run")
    elif result.failures:
        result.outcome = Outcome.FAILED
    elif result.errors:
        result.outcome = Outcome.ERROR
    elif proof.not_applicable:
        result.outcome = Outcome.NOT_APPLICABLE
        result.reason = observed.not_applicable.get(check)
    elif proof.met <= 0:
        result.outcome = Outcome.SKIPPED
        result.reason = _not_executed([check], observed, ())
    return result
