"""Fold Schemathesis's event stream and the active checks' observations into tallies.

A tally counts, per (check id, operation), the evaluations, the failures (with folded,
redacted evidence) and the errors. Per operation it also keeps coverage (cases per phase,
status codes seen) and response-time samples.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from conformance.engine.catalogue import CATALOGUE, CheckDef
from conformance.engine.checks.active import Observation
from conformance.engine.checks.responses import CHECK_IDS_BY_NAME
from conformance.engine.fuzzing.internals import (
    Interaction,
    ScenarioRecorder,
    Status,
    StopReason,
    events,
    is_negative_case,
)
from conformance.engine.generation.negative_cases import reached_api_valid
from conformance.engine.openapi.operations import OperationInfo
from conformance.engine.openapi.spec_requests import is_secured
from conformance.engine.verdict.evidence import (
    clip_message,
    curl_command,
    login_steps,
    received_evidence,
    request_evidence,
    response_evidence,
    sent_evidence,
)
from conformance.engine.verdict.facts import Facts
from conformance.results import (
    Evidence,
    LoginRecord,
    OperationCoverage,
    Outcome,
    PhaseResult,
    Redactor,
    ResponseTimeSample,
    RunError,
)

TESTING_PHASES = ("examples", "coverage", "fuzzing", "stateful")
SAMPLES_PER_OPERATION = 200
EVIDENCE_PER_TALLY = 3
LOGINS_PER_TALLY = 2  # the logins a check made that the report shows, step by step
_STATUS = {
    Status.SUCCESS: "passed",
    Status.FAILURE: "failed",
    Status.ERROR: "error",
    Status.SKIP: "skipped",
    Status.INTERRUPTED: "interrupted",
}


def check_id_for(name: str) -> str:
    """The check id for a Schemathesis check name (ours or built in)."""
    declared = CATALOGUE.by_schemathesis_name(name)
    return CHECK_IDS_BY_NAME.get(name) or (declared.id if declared else f"api:{name}")


@dataclass(slots=True)
class Tally:
    cases: int = 0  # cases sent that the check looked at
    met: int = 0  # of those, the ones that met its precondition: evidence (failures included)
    met_404: int = 0  # evidence answered 404 (see facts.Precondition.routed)
    not_applicable: int = 0  # observations of an active check: "not subject to me"
    failures: int = 0  # occurrences
    errors: int = 0
    evidence: list[Evidence] = field(default_factory=list)
    error_messages: list[str] = field(default_factory=list)
    logins: list[LoginRecord] = field(default_factory=list)

    def add_evidence(self, status: int | None = None) -> None:
        self.met += 1
        self.met_404 += status == 404

    def add_failure(self, evidence: Evidence) -> None:
        """A failure is evidence too (the case that shows it is counted by the caller)."""
        self.met += 1
        self.failures += 1
        for known in self.evidence:
            # A probe's message names what it judged (which client, which token): two clients'
            # failures under one title are two findings, not one that occurred twice.
            if known.title == evidence.title and (
                evidence.phase != "probes" or known.message == evidence.message
            ):
                known.occurrences += 1
                return
        if len(self.evidence) < EVIDENCE_PER_TALLY:
            self.evidence.append(evidence)
        else:
            self.evidence[-1].occurrences += 1

    def add_error(self, message: str) -> None:
        self.errors += 1
        if message not in self.error_messages and len(self.error_messages) < EVIDENCE_PER_TALLY:
            self.error_messages.append(message)


@dataclass(slots=True)
class Progress:
    """What the engine reports while it runs (for progress displays)."""

    kind: str  # phase-started, phase-finished, operation-done, probe-done
    phase: str
    operation: str | None = None
    cases: int = 0
    failures: int = 0
    status: str | None = None


Listener = Callable[[Progress], None]


class Collector:
    def __init__(
        self,
        operations: list[OperationInfo],
        redactor: Redactor,
        *,
        subject_of: Callable[[Mapping[str, str]], str | None] = lambda headers: None,
        listener: Listener | None = None,
        stopped: Callable[[], bool] = lambda: False,
        document: dict[str, Any] | None = None,
    ) -> None:
        self.redactor = redactor
        # True once the run was stopped (budget, signal): a phase that ends after that was cut
        # short, whatever Schemathesis calls it.
        self.stopped = stopped
        self.subject_of = subject_of
        self.listener = listener
        self.operations = {operation.label: operation for operation in operations}
        self.secured = {
            operation.label: document is not None and is_secured(document, operation)
            for operation in operations
        }
        self.per_response: list[CheckDef] = CATALOGUE.per_response()
        self.tallies: dict[tuple[str, str | None], Tally] = {}
        self.coverage = {
            operation.label: OperationCoverage(
                operation=operation.label,
                method=operation.method,
                path=operation.path,
                operation_id=operation.operation_id,
                declared_status_codes=list(operation.declared_statuses),
            )
            for operation in operations
        }
        self.samples: list[ResponseTimeSample] = []
        self._samples_per_operation: dict[str, int] = {}
        self.errors: list[RunError] = []
        self.phases: list[PhaseResult] = []
        self.operation_errors: dict[str, list[str]] = {}
        self.stop_reason: StopReason | None = None
        self.fatal: str | None = None
        self.interrupted = False

    # -- shared -------------------------------------------------------------------------
    def tally(self, check: str, operation: str | None) -> Tally:
        return self.tallies.setdefault((check, operation), Tally())

    def operation_id(self, label: str | None) -> str | None:
        operation = self.operations.get(label or "")
        return operation.operation_id if operation else None

    def emit(self, progress: Progress) -> None:
        if self.listener is not None:
            self.listener(progress)

    @property
    def total_cases(self) -> int:
        return sum(item.cases for item in self.coverage.values())

    # -- active checks ------------------------------------------------------------------
    def observe(self, observation: Observation) -> None:
        label = observation.operation.label if observation.operation else observation.label
        tally = self.tally(observation.check, label)
        if observation.login is not None:  # how the check logged in: shown, not judged
            login = observation.login
            if len(tally.logins) < LOGINS_PER_TALLY:
                tally.logins.append(
                    LoginRecord(
                        check=observation.check,
                        driver=login.driver,
                        outcome=clip_message(login.outcome, self.redactor),
                        client=login.client,
                        steps=login_steps(login.steps, self.redactor),
                    )
                )
            return
        if observation.outcome is Outcome.NOT_APPLICABLE:
            tally.not_applicable += 1
            return
        if observation.outcome is Outcome.ERROR:
            tally.add_error(clip_message(observation.message or observation.title, self.redactor))
            return
        if observation.outcome is Outcome.PASSED:
            tally.cases += 1
            answer = observation.exchange.response if observation.exchange else None
            tally.add_evidence(answer.status if answer is not None else None)
            return
        evidence = Evidence(
            check=observation.check,
            title=observation.title,
            message=clip_message(observation.message, self.redactor),
            operation=label,
            operation_id=observation.operation.operation_id if observation.operation else None,
            phase="probes",
            subject=observation.subject,
        )
        tally.cases += 1
        exchange = observation.exchange
        if exchange is not None:
            evidence.request = sent_evidence(exchange, self.redactor)
            evidence.curl = curl_command(evidence.request)
            evidence.response = received_evidence(exchange, self.redactor)
        tally.add_failure(evidence)

    # -- Schemathesis events ------------------------------------------------------------
    def handle(self, event: events.EngineEvent) -> None:
        if isinstance(event, events.PhaseStarted) and event.phase.name.value in TESTING_PHASES:
            self.emit(Progress(kind="phase-started", phase=event.phase.name.value))
        elif isinstance(event, events.PhaseFinished) and event.phase.name.value in TESTING_PHASES:
            reason = event.phase.skip_reason.display if event.phase.skip_reason else None
            status = _STATUS.get(event.status, str(event.status))
            if status == "passed" and self.stopped():
                status, reason = "interrupted", "the run was stopped before the phase finished"
            elif status == "skipped" and reason is None and self.stopped():
                reason = "not reached: the run was stopped"
            self.phases.append(
                PhaseResult(name=event.phase.name.value, status=status, reason=reason)
            )
            self.emit(Progress(kind="phase-finished", phase=event.phase.name.value, status=status))
        elif isinstance(event, events.ScenarioFinished):
            self._scenario(event)
        elif isinstance(event, events.NonFatalError):
            self._error(event)
        elif isinstance(event, events.FatalError):
            self.fatal = clip_message(
                f"{type(event.exception).__name__}: {event.exception}", self.redactor
            )
            self.errors.append(RunError(title="Engine error", message=self.fatal))
        elif isinstance(event, events.Interrupted):
            self.interrupted = True
        elif isinstance(event, events.EngineFinished):
            self.stop_reason = event.stop_reason

    def _error(self, event: events.NonFatalError) -> None:
        message = clip_message(event.info.message or str(event.value), self.redactor)
        phase = event.phase.value if event.phase else None
        label = event.label if event.related_to_operation else None
        self.errors.append(
            RunError(title=event.info.title, message=message, operation=label, phase=phase)
        )
        if label is not None:
            self.operation_errors.setdefault(label, []).append(f"{event.info.title}: {message}")
            if label in self.coverage:
                self.coverage[label].errors += 1

    def _scenario(self, event: events.ScenarioFinished) -> None:
        recorder = event.recorder
        phase = event.phase.value
        if phase not in TESTING_PHASES:
            return
        failures_before = sum(item.failures for item in self.tallies.values())
        self._interactions(recorder, phase)
        facts = self._facts(recorder)
        for case_id, nodes in recorder.checks.items():
            node = recorder.cases.get(case_id)
            label = node.value.operation.label if node else event.label
            seen = facts.get(case_id)
            for check in nodes:
                check_id = check_id_for(check.name)
                tally = self.tally(check_id, label)
                if check.status == Status.SUCCESS:
                    declared = CATALOGUE.get(check_id)
                    if declared is None:
                        tally.cases += 1
                        tally.add_evidence()
                    elif seen is not None and declared.precondition.met(seen):
                        tally.add_evidence(seen.status)
                elif check.status == Status.FAILURE and check.failure_info is not None:
                    if check.name == "negative_data_rejection" and self._sent_valid(
                        recorder, case_id
                    ):
                        continue  # its invalid part never reached the API (negative_cases)
                    if CATALOGUE.get(check_id) is None:
                        tally.cases += 1
                    tally.add_failure(
                        self._evidence(check_id, label, phase, recorder, case_id, check)
                    )
                elif check.status == Status.ERROR:
                    tally.add_error(f"{check.name} crashed on a {phase} case")
        if event.label:
            failures = sum(item.failures for item in self.tallies.values()) - failures_before
            self.emit(
                Progress(
                    kind="operation-done",
                    phase=phase,
                    operation=event.label,
                    cases=len(recorder.interactions),
                    failures=failures,
                    status=_STATUS.get(event.status),
                )
            )

    def _facts(self, recorder: ScenarioRecorder) -> dict[str, Facts]:
        """The facts of every answered case of a scenario, in the order they were sent; every
        per-response check looked at each of them (one case sent, for each)."""
        facts: dict[str, Facts] = {}
        deleted: list[str] = []  # paths a successful DELETE removed earlier in the scenario
        for case_id, interaction in recorder.interactions.items():
            node = recorder.cases.get(case_id)
            if node is None:
                continue
            case, label = node.value, node.value.operation.label
            for check in self.per_response:
                self.tally(check.id, label).cases += 1
            response = interaction.response
            if response is None:
                continue
            method = interaction.request.method.upper()
            path = urlsplit(interaction.request.uri).path
            parent = recorder.interactions.get(node.parent_id) if node.parent_id else None
            created = (
                parent is not None
                and parent.request.method.upper() == "POST"
                and parent.response is not None
                and (parent.response.status_code == 201 or "location" in parent.response.headers)
            )
            facts[case_id] = Facts(
                method=method,
                declared=method == case.operation.method.upper(),
                status=response.status_code,
                negative=is_negative_case(case) and not self._sent_valid(recorder, case_id),
                secured=self.secured.get(label, False),
                created_then_read=created and method in ("GET", "HEAD"),
                deleted_then_read=method != "DELETE"
                and any(path == gone or path.startswith(gone + "/") for gone in deleted),
            )
            if method == "DELETE" and 200 <= response.status_code < 300:
                deleted.append(path)
        return facts

    @staticmethod
    def _sent_valid(recorder: ScenarioRecorder, case_id: str) -> bool:
        node, interaction = recorder.cases.get(case_id), recorder.interactions.get(case_id)
        if node is None or interaction is None:
            return False
        return reached_api_valid(node.value, interaction.request.headers)

    def _interactions(self, recorder: ScenarioRecorder, phase: str) -> None:
        for case_id, interaction in recorder.interactions.items():
            node = recorder.cases.get(case_id)
            if node is None:
                continue
            label = node.value.operation.label
            coverage = self.coverage.get(label)
            if coverage is None:
                continue
            coverage.cases += 1
            coverage.cases_by_phase[phase] = coverage.cases_by_phase.get(phase, 0) + 1
            response = interaction.response
            if response is None:
                continue
            status = str(response.status_code)
            coverage.status_codes[status] = coverage.status_codes.get(status, 0) + 1
            kept = self._samples_per_operation.get(label, 0)
            if kept < SAMPLES_PER_OPERATION:
                self._samples_per_operation[label] = kept + 1
                self.samples.append(
                    ResponseTimeSample(
                        operation=label,
                        phase=phase,
                        status=response.status_code,
                        ms=round(response.elapsed * 1000, 3),
                    )
                )

    def _evidence(
        self,
        check_id: str,
        label: str | None,
        phase: str,
        recorder: ScenarioRecorder,
        case_id: str,
        check: Any,
    ) -> Evidence:
        failure = check.failure_info.failure
        evidence = Evidence(
            check=check_id,
            title=clip_message(failure.title, self.redactor),
            message=clip_message(failure.message or failure.title, self.redactor),
            operation=label,
            operation_id=self.operation_id(label),
            phase=phase,
        )
        interaction: Interaction | None = recorder.interactions.get(case_id)
        if interaction is None:
            return evidence
        sent = interaction.request
        headers = {name: ", ".join(values) for name, values in sent.headers.items()}
        evidence.subject = self.subject_of(headers)
        evidence.request = request_evidence(
            sent.method, sent.uri, headers, sent.body, self.redactor
        )
        evidence.curl = curl_command(evidence.request)
        response = interaction.response
        if response is not None:
            evidence.response = response_evidence(
                response.status_code,
                {name: ", ".join(values) for name, values in response.headers.items()},
                response.content,
                self.redactor,
                response.elapsed * 1000,
            )
        return evidence
