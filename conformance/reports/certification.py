"""The certification verdict and score of one run, with waivers applied.

The engine reports what it observed per requirement (passed, failed, skipped, ...). This
module judges that against the levels of the profile:

- ``not certified``: a MUST requirement failed (a waiver that has expired does not help);
- ``incomplete``: nothing decisive failed, but the run did not finish (interrupted, the
  target went away) or a MUST requirement was not executed; skipped is never passed;
- ``certified with remarks``: every MUST passed or is waived, but a SHOULD failed;
- ``certified``: every MUST passed or is waived and no SHOULD failed.

A failed MUST decides before an incomplete run does: testing more cannot undo a failure.

The score (0-100) is the weighted share of applicable requirements that passed, with weights
MUST 3, SHOULD 2, MAY 1, rounded down::

    score = floor(100 * sum(weight of passed) / sum(weight of all but not-applicable))

Waived, failed, skipped and errored requirements earn nothing, so a waiver changes the verdict
but never the score: two vendors certified against the same profile compare on their score.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from conformance.reports.waivers import Waiver
from conformance.results import Evidence, Level, Outcome, RequirementResult, RunReport

WEIGHTS: dict[Level, int] = {Level.MUST: 3, Level.SHOULD: 2, Level.MAY: 1}
SCORE_FORMULA = (
    "floor(100 * sum(weight of passed requirements) / sum(weight of applicable requirements)); "
    "weights MUST 3, SHOULD 2, MAY 1; waived, failed, skipped and errored requirements earn 0; "
    "not-applicable requirements are left out"
)


class CertificationVerdict(StrEnum):
    CERTIFIED = "certified"
    CERTIFIED_WITH_REMARKS = "certified-with-remarks"
    NOT_CERTIFIED = "not-certified"
    INCOMPLETE = "incomplete"

    @property
    def label(self) -> str:
        return self.value.replace("-", " ")

    @property
    def exit_ok(self) -> bool:
        return self in (CertificationVerdict.CERTIFIED, CertificationVerdict.CERTIFIED_WITH_REMARKS)


class Standing(StrEnum):
    """A requirement's outcome once waivers are taken into account."""

    PASSED = "passed"
    FAILED = "failed"
    WAIVED = "waived"
    NOT_APPLICABLE = "not_applicable"
    SKIPPED = "skipped"
    ERROR = "error"

    @property
    def executed(self) -> bool:
        return self not in (Standing.SKIPPED, Standing.ERROR)


@dataclass(frozen=True, slots=True)
class RequirementStanding:
    result: RequirementResult
    standing: Standing
    waivers: tuple[Waiver, ...] = ()  # the waivers that cover its failures (held or expired)
    expired: tuple[Waiver, ...] = ()  # those among them that no longer hold
    note: str | None = None  # plain-language explanation of the standing

    @property
    def id(self) -> str:
        return self.result.id

    @property
    def level(self) -> Level:
        return self.result.level


@dataclass(frozen=True, slots=True)
class Certification:
    verdict: CertificationVerdict
    score: int
    reasons: tuple[str, ...]
    requirements: tuple[RequirementStanding, ...]
    evaluated_on: dt.date
    waivers_unused: tuple[tuple[Waiver, str], ...] = field(default=())  # waiver, why unused

    @property
    def waivers_applied(self) -> list[Waiver]:
        return _unique(
            w for r in self.requirements if r.standing is Standing.WAIVED for w in r.waivers
        )

    @property
    def waivers_expired(self) -> list[Waiver]:
        return _unique(w for r in self.requirements for w in r.expired)

    def standing(self, requirement_id: str) -> RequirementStanding:
        for item in self.requirements:
            if item.id == requirement_id:
                return item
        raise KeyError(requirement_id)

    def by_level(self, level: Level) -> list[RequirementStanding]:
        return [item for item in self.requirements if item.level is level]


def _unique(waivers: Iterable[Waiver]) -> list[Waiver]:
    seen: list[Waiver] = []
    for waiver in waivers:
        if waiver not in seen:
            seen.append(waiver)
    return seen


def _covering(evidence: Evidence, waivers: list[Waiver], today: dt.date) -> Waiver | None:
    """The waiver for this failure, preferring one that still holds."""
    matching = [waiver for waiver in waivers if waiver.covers(evidence)]
    held = [waiver for waiver in matching if not waiver.expired(today)]
    candidates = held or matching
    return candidates[0] if candidates else None


def _judge(result: RequirementResult, waivers: list[Waiver], today: dt.date) -> RequirementStanding:
    if result.outcome is not Outcome.FAILED:
        return RequirementStanding(result, Standing(result.outcome.value), note=result.reason)
    if not waivers:
        return RequirementStanding(result, Standing.FAILED)
    # A failure without evidence can only be waived for the requirement as a whole.
    failures = result.failures or [Evidence(check="", title="", message="")]
    covering = [_covering(evidence, waivers, today) for evidence in failures]
    used = tuple(_unique(waiver for waiver in covering if waiver is not None))
    expired = tuple(waiver for waiver in used if waiver.expired(today))
    uncovered = sorted(
        {
            evidence.operation_id or evidence.operation or "the API as a whole"
            for evidence, waiver in zip(failures, covering, strict=True)
            if waiver is None
        }
    )
    if uncovered:
        note = f"the waiver does not cover the failure(s) on {', '.join(uncovered)}"
        return RequirementStanding(result, Standing.FAILED, used, expired, note)
    if expired:
        dates = ", ".join(sorted({waiver.expires.isoformat() for waiver in expired}))
        note = f"the waiver expired on {dates}, so the failure counts"
        return RequirementStanding(result, Standing.FAILED, used, expired, note)
    until = min(waiver.expires for waiver in used).isoformat()
    reasons = "; ".join(waiver.reason for waiver in used)
    return RequirementStanding(
        result, Standing.WAIVED, used, (), f"waived until {until}: {reasons}"
    )


def _unused(
    report: RunReport, standings: list[RequirementStanding], waivers: list[Waiver]
) -> list[tuple[Waiver, str]]:
    known = {item.id: item for item in standings}
    used = {waiver for item in standings for waiver in item.waivers}
    unused: list[tuple[Waiver, str]] = []
    for waiver in waivers:
        if waiver in used:
            continue
        item = known.get(waiver.requirement)
        if item is None:
            why = f"the {report.profile.name} profile has no requirement {waiver.requirement}"
        elif item.result.outcome is Outcome.FAILED:
            why = f"no failure of {waiver.requirement} was on {waiver.operation}"
        else:
            why = f"not needed: {waiver.requirement} {item.result.outcome.value.replace('_', ' ')}"
        unused.append((waiver, why))
    return unused


def score(standings: list[RequirementStanding] | tuple[RequirementStanding, ...]) -> int:
    applicable = [item for item in standings if item.standing is not Standing.NOT_APPLICABLE]
    total = sum(WEIGHTS[item.level] for item in applicable)
    if total == 0:
        return 0
    earned = sum(WEIGHTS[item.level] for item in applicable if item.standing is Standing.PASSED)
    return math.floor(100 * earned / total)


def _ids(items: list[RequirementStanding]) -> str:
    return ", ".join(item.id for item in items)


def _verdict(
    report: RunReport, standings: list[RequirementStanding]
) -> tuple[CertificationVerdict, list[str]]:
    musts = [item for item in standings if item.level is Level.MUST]
    failed = [item for item in musts if item.standing is Standing.FAILED]
    unexecuted = [item for item in musts if not item.standing.executed]
    should_failed = [
        item
        for item in standings
        if item.level is Level.SHOULD and item.standing is Standing.FAILED
    ]
    waived = [item for item in standings if item.standing is Standing.WAIVED]
    reasons: list[str] = []
    if failed:
        reasons.append(f"MUST requirement(s) failed: {_ids(failed)}")
    if not report.completion.complete:
        reasons.append(f"the run did not finish: {report.completion.reason or 'no reason given'}")
    if unexecuted:
        reasons.append(
            f"MUST requirement(s) not executed (skipped or in error): {_ids(unexecuted)}"
        )
    if should_failed:
        reasons.append(f"SHOULD requirement(s) failed: {_ids(should_failed)}")
    if waived:
        reasons.append(f"failure(s) accepted by a waiver: {_ids(waived)}")
    if report.part is not None:
        reasons.insert(0, f"{report.part}: a part of a run; merge all parts for the verdict")
        return CertificationVerdict.INCOMPLETE, reasons
    if failed:
        return CertificationVerdict.NOT_CERTIFIED, reasons
    if unexecuted or not report.completion.complete:
        return CertificationVerdict.INCOMPLETE, reasons
    if should_failed:
        return CertificationVerdict.CERTIFIED_WITH_REMARKS, reasons
    reasons.insert(0, "every MUST requirement passed" + (" or is waived" if waived else ""))
    return CertificationVerdict.CERTIFIED, reasons


def certify(
    report: RunReport, waivers: list[Waiver] | None = None, today: dt.date | None = None
) -> Certification:
    """Judge ``report``; ``today`` decides which waivers still hold (default: today, UTC)."""
    waivers = list(waivers or [])
    today = today or dt.datetime.now(dt.UTC).date()
    standings = [
        _judge(result, [w for w in waivers if w.requirement == result.id], today)
        for result in report.requirements
    ]
    # A requirement about the profile itself (its spec lints clean) is shown, not scored.
    scored = [item for item in standings if not item.result.vendor_independent]
    verdict, reasons = _verdict(report, scored)
    return Certification(
        verdict=verdict,
        score=score(scored),
        reasons=tuple(reasons),
        requirements=tuple(standings),
        evaluated_on=today,
        waivers_unused=tuple(_unused(report, standings, waivers)),
    )
