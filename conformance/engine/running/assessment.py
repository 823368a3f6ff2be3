"""Judging a run: which checks ran or why not, and every requirement of the profile."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.engine.catalogue import CATALOGUE
from conformance.engine.fuzzing.collector import Collector
from conformance.engine.fuzzing.sharding import Shard
from conformance.engine.verdict.assess import Observed, assess_check, assess_requirement
from conformance.results import CheckResult, Completion, RequirementResult
from conformance.spec.profile import Profile


@dataclass(frozen=True, slots=True)
class Assessment:
    requirements: list[RequirementResult]
    checks: list[CheckResult]


def assess(
    profile: Profile,
    collector: Collector,
    ran: set[str],
    completion: Completion,
    *,
    shard: Shard | None,
    inapplicable: Mapping[str, str],
) -> Assessment:
    """``inapplicable``: ``not_applicable(document)`` of the spec tested, worked out before
    the run (it walks the whole spec: seconds for one of thousands of paths, which the time
    budget cannot spare once it has run out)."""
    implemented = frozenset(
        {check.id for check in CATALOGUE.per_response()}
        | {bound.check.id for bound in CATALOGUE.active()}
    )
    observed = Observed(
        tallies=collector.tallies,
        operation_ids={label: item.operation_id for label, item in collector.operations.items()},
        operation_errors=collector.operation_errors,
        implemented=implemented,
        ran=frozenset(ran),
        answered=any(item.status_codes for item in collector.coverage.values())
        or any(tally.cases for tally in collector.tallies.values()),
        skip_reasons=_skip_reasons(profile, implemented, ran, completion, shard),
        statuses={label: dict(item.status_codes) for label, item in collector.coverage.items()},
        routed=_routed(collector),
        not_applicable=dict(inapplicable),
        secured=frozenset(label for label, secured in collector.secured.items() if secured),
    )
    requirements = [assess_requirement(item, profile, observed) for item in profile.requirements]
    reported = sorted(profile.check_ids | ran | {c for c, _ in collector.tallies})
    return Assessment(requirements, [assess_check(check, observed) for check in reported])


def _skip_reasons(
    profile: Profile,
    implemented: frozenset[str],
    ran: set[str],
    completion: Completion,
    shard: Shard | None,
) -> dict[str, str]:
    """Why each check that did not run did not."""
    reasons = {check: "not implemented by this engine" for check in profile.check_ids - implemented}
    for check in implemented - ran:
        reasons[check] = completion.reason or "not selected for this run"
        bound = CATALOGUE.bound(check)
        api_wide = bound is not None and not bound.per_operation and not bound.check.per_response
        if shard is not None and not shard.first and api_wide:
            reasons[check] = f"an API-wide check: shard 1 of {shard.count} runs it"
    return reasons


def _routed(collector: Collector) -> bool:
    """Some answer reached an operation (not 401, 403 or 404), or nothing was generated."""
    codes = {code for item in collector.coverage.values() for code in item.status_codes}
    return not codes or bool(codes - {"401", "403", "404"})


def not_applicable(
    document: dict[str, Any], stopped: Callable[[], bool] = lambda: False
) -> dict[str, str]:
    """Checks the spec declares nothing for (no date-time in any response, no DELETE, ...).

    Each precondition walks the whole spec (seconds for one of thousands of paths), once
    however many checks share it; once ``stopped()`` says the budget ran out, the rest are not
    worked out, and their checks count as applicable (not executed, for the budget's reason).
    """
    found: dict[str, str] = {}
    applies: dict[int, bool] = {}
    for check in CATALOGUE:
        precondition = check.precondition
        if precondition.applies is None:
            continue
        key = id(precondition)
        if key not in applies:
            if stopped():
                continue
            applies[key] = precondition.applies(document)
        if not applies[key]:
            found[check.id] = precondition.not_applicable
    return found
