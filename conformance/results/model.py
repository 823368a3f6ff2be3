"""The result of one conformance run: the single model every report writer reads.

A run checks a target against requirements (from a building block's profile, or the generic
GDI profile). Each requirement is proven by one or more checks (``adr:version-header``,
``api:not_a_server_error``, ...); its outcome is derived from what those checks observed.
Evidence is stored redacted. ``RunReport.to_dict()`` is what report.json holds; it validates
against ``report.schema.json`` beside this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from conformance.results._codec import from_jsonable, to_jsonable
from conformance.spec.profile import Level  # a profile's levels are the results' levels

REPORT_FORMAT_VERSION = "1.0"


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"  # the check could not be carried out (connection error, timeout, crash)
    SKIPPED = "skipped"  # the check did not run (not implemented, phase skipped, run stopped)
    NOT_APPLICABLE = "not_applicable"  # ran, but nothing in this API is subject to it


class Verdict(StrEnum):
    CONFORMANT = "conformant"  # complete run, every MUST requirement passed (or not applicable)
    NOT_CONFORMANT = "not_conformant"  # at least one MUST requirement failed
    INCONCLUSIVE = (
        "inconclusive"  # nothing failed, but the run is incomplete or a MUST was not proven
    )
    # One shard of a run (run --shard I/N): a part, not a verdict; merge gives the verdict.
    PARTIAL = "partial"


@dataclass(slots=True)
class HttpRequest:
    """A request as sent (redacted); the body is an excerpt of at most the report's limit."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    body_bytes: int = 0
    body_truncated: bool = False


@dataclass(slots=True)
class HttpResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    body_bytes: int = 0
    body_truncated: bool = False
    elapsed_ms: float | None = None


@dataclass(slots=True)
class Evidence:
    """One observed failure of a check, with everything needed to reproduce it."""

    check: str  # check id, e.g. "adr:version-header"
    title: str
    message: str
    operation: str | None = None  # "GET /tasks/{taskId}"; None for API-wide probes
    operation_id: str | None = None
    phase: str | None = None  # examples, coverage, fuzzing, stateful, probe
    subject: str | None = (
        None  # who sent the request (see RunReport.subjects); None = no credentials
    )
    request: HttpRequest | None = None
    response: HttpResponse | None = None
    curl: str | None = None
    occurrences: int = 1  # identical failures (same check, operation, title) folded into this one
    exception: str | None = None  # id of the profile exception that explains this failure


@dataclass(slots=True)
class LoginStep:
    """One request of a login driver and its answer (redacted), in the order sent."""

    request: HttpRequest
    response: HttpResponse | None = None
    error: str | None = None  # why no answer came


@dataclass(slots=True)
class LoginRecord:
    """How a check logged a test citizen in: every request of the login, so that a login
    that succeeded is as visible as one that failed. Cookies, passwords, codes and tokens
    are redacted like all evidence."""

    check: str
    driver: str  # form, browser, test-login, or the vendor's module:callable
    outcome: str  # "redirected back to the client with a code", or why not
    client: str | None = None  # the client whose authorization request it was
    steps: list[LoginStep] = field(default_factory=list)


@dataclass(slots=True)
class AppliedException:
    """A profile exception that matched failures: they are shown here instead of failing."""

    id: str
    rule: str
    reason: str
    operations: list[str] = field(default_factory=list)
    matched: int = 0
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(slots=True)
class RequirementResult:
    id: str
    level: Level
    statement: str
    outcome: Outcome
    checks: list[str] = field(default_factory=list)
    adr: list[str] = field(default_factory=list)
    operations: list[str] = field(
        default_factory=list
    )  # operationIds it is limited to; empty = all
    reason: str | None = None  # why it is skipped (not executed), in error, or not applicable
    cases: int = 0  # cases sent that its checks looked at
    failures: list[Evidence] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    exceptions_applied: list[AppliedException] = field(default_factory=list)
    # Of those cases, the ones that met the precondition of a check: evidence. A requirement
    # passes only with evidence for each of its checks.
    evidence_cases: int = 0
    # A property of the profile itself (e.g. its spec lints clean), the same for every
    # implementation: shown, never scored as the implementation's.
    vendor_independent: bool = False
    # The logins of test citizens its checks made (a few per check), every step as evidence.
    logins: list[LoginRecord] = field(default_factory=list)


@dataclass(slots=True)
class CheckResult:
    """What one check observed over the whole run, independent of requirements."""

    id: str
    outcome: Outcome
    implemented: bool = True
    cases: int = 0
    failures: int = 0  # occurrences, exceptions included
    errors: int = 0
    reason: str | None = None
    evidence_cases: int = 0  # cases that met the check's precondition
    precondition: str | None = None  # when a case is evidence for it, in plain words


@dataclass(slots=True)
class OperationCoverage:
    operation: str  # "GET /tasks"
    method: str
    path: str
    operation_id: str | None = None
    cases: int = 0
    cases_by_phase: dict[str, int] = field(default_factory=dict)
    status_codes: dict[str, int] = field(default_factory=dict)  # observed, "200": 12
    declared_status_codes: list[str] = field(default_factory=list)
    failures: int = 0
    errors: int = 0


@dataclass(slots=True)
class ResponseTimeSample:
    operation: str
    phase: str
    status: int
    ms: float


@dataclass(slots=True)
class ToolVersions:
    gdi_conformance: str
    schemathesis: str
    hypothesis: str
    openapi_core: str
    python: str


@dataclass(slots=True)
class SpecInfo:
    path: str
    sha256: str
    title: str | None = None
    version: str | None = None  # info.version
    openapi_version: str | None = None


@dataclass(slots=True)
class ProfileInfo:
    kind: str  # "block", "generic", or "interop" (life-event scenarios across blocks)
    name: str  # block name, or "generic"
    version: str  # profile_version
    sha256: str  # of the profile as loaded (canonical JSON)
    id_prefix: str
    path: str | None = None


@dataclass(slots=True)
class Budget:
    max_examples: int
    max_time_s: float | None
    workers: int  # processes the run was split into (--workers)
    request_timeout_s: float
    max_response_bytes: int
    threads: int = 1  # Schemathesis's threads in each process (--threads)


@dataclass(slots=True)
class Completion:
    complete: bool
    reason: str | None = None  # why not complete: "interrupted (SIGINT)", "time budget ..."


@dataclass(slots=True)
class PhaseResult:
    name: str  # probes, examples, coverage, fuzzing, stateful
    status: str  # passed, failed, error, skipped, interrupted
    reason: str | None = None


@dataclass(slots=True)
class SubjectInfo:
    """An identity the run acted as; credentials themselves are never recorded."""

    name: str
    kind: str  # static-headers, token-command, identity-client, none
    description: str


@dataclass(slots=True)
class RunError:
    title: str
    message: str
    operation: str | None = None
    phase: str | None = None


@dataclass(slots=True)
class Summary:
    requirements: dict[str, int] = field(default_factory=dict)  # outcome -> count
    must_failed: list[str] = field(default_factory=list)
    must_unproven: list[str] = field(default_factory=list)  # skipped or error MUST requirements
    should_failed: list[str] = field(default_factory=list)
    cases: int = 0


@dataclass(slots=True)
class ProductInfo:
    """The product under test, as its vendor names it (given on the command line)."""

    vendor: str
    name: str
    version: str


@dataclass(slots=True)
class ShardInfo:
    """Which part of a run this report covers (``run --shard INDEX/COUNT``).

    Shards split the API deterministically from the spec; ``operations`` are the ones
    whose examples, coverage and fuzzing phases this shard ran. Every shard runs its share of the
    stateful phase (links across the API); API-wide checks run in shard 1 only.
    ``gdi-conformance merge`` combines the reports of all COUNT shards into one (whose ``shard``
    is None).
    """

    index: int  # 1-based
    count: int
    operations: list[str] = field(default_factory=list)  # "GET /tasks", ...


@dataclass(slots=True)
class RunReport:
    run_id: str
    tools: ToolVersions
    spec: SpecInfo
    profile: ProfileInfo
    base_url: str
    seed: int
    budget: Budget
    started_at: str  # ISO 8601 UTC, "Z"
    finished_at: str
    duration_s: float
    completion: Completion
    verdict: Verdict
    summary: Summary
    requirements: list[RequirementResult] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    phases: list[PhaseResult] = field(default_factory=list)
    subjects: list[SubjectInfo] = field(default_factory=list)
    operations: list[OperationCoverage] = field(default_factory=list)
    response_times: list[ResponseTimeSample] = field(default_factory=list)
    errors: list[RunError] = field(default_factory=list)
    format_version: str = REPORT_FORMAT_VERSION
    product: ProductInfo | None = None
    shard: ShardInfo | None = None  # None: the whole run (unsharded, or merged)

    @property
    def is_conformant(self) -> bool:
        return self.verdict is Verdict.CONFORMANT

    @property
    def part(self) -> str | None:
        """``partial (shard I/N)`` for a shard's report; None for a whole (or merged) run."""
        if self.shard is None:
            return None
        return f"partial (shard {self.shard.index}/{self.shard.count})"

    @property
    def found_failure(self) -> bool:
        """A MUST requirement failed (what a shard's exit code says about its part)."""
        return any(
            result.outcome is Outcome.FAILED and result.level is Level.MUST
            for result in self.requirements
            if not result.vendor_independent
        )

    def requirement(self, requirement_id: str) -> RequirementResult:
        for result in self.requirements:
            if result.id == requirement_id:
                return result
        raise KeyError(requirement_id)

    def check(self, check_id: str) -> CheckResult:
        for result in self.checks:
            if result.id == check_id:
                return result
        raise KeyError(check_id)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = to_jsonable(self)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunReport:
        return from_jsonable(cls, data)


def decide_verdict(requirements: list[RequirementResult], completion: Completion) -> Verdict:
    """A failed MUST decides at once; otherwise only a complete run with every MUST proven conforms.

    A skipped MUST is never a pass: it makes the verdict inconclusive, as does an error. A
    requirement that is a property of the profile itself (``vendor_independent``) does not
    count for the implementation, either way.
    """
    musts = [
        result
        for result in requirements
        if result.level is Level.MUST and not result.vendor_independent
    ]
    if any(result.outcome is Outcome.FAILED for result in musts):
        return Verdict.NOT_CONFORMANT
    proven = (Outcome.PASSED, Outcome.NOT_APPLICABLE)
    if not completion.complete or any(result.outcome not in proven for result in musts):
        return Verdict.INCONCLUSIVE
    return Verdict.CONFORMANT


def summarise(requirements: list[RequirementResult], cases: int) -> Summary:
    """Counts of the implementation's requirements (not those of the profile itself)."""
    requirements = [result for result in requirements if not result.vendor_independent]
    counts = {outcome.value: 0 for outcome in Outcome}
    for result in requirements:
        counts[result.outcome.value] += 1
    return Summary(
        requirements=counts,
        must_failed=[
            r.id for r in requirements if r.level is Level.MUST and r.outcome is Outcome.FAILED
        ],
        must_unproven=[
            r.id
            for r in requirements
            if r.level is Level.MUST and r.outcome in (Outcome.SKIPPED, Outcome.ERROR)
        ],
        should_failed=[
            r.id for r in requirements if r.level is Level.SHOULD and r.outcome is Outcome.FAILED
        ],
        cases=cases,
    )
