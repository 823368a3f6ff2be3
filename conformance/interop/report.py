"""An interoperability run in the result model, so every report writer can render it.

One ``RunReport`` per combination: each scenario is a requirement (GDI-GEN-101 geboorte,
GDI-GEN-102 verhuizing), each of its steps a check (``interop:<scenario>:<step>``). A failed
step's evidence is the exchange that showed it (redacted, with a curl command); its title
starts with the block at fault and its message names the implementation, so a reader sees at
once whom to call.
"""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import urlsplit

from conformance.engine.verdict.evidence import (
    clip_message,
    curl_command,
    login_steps,
    received_evidence,
    sent_evidence,
)
from conformance.httplimits import Exchange
from conformance.interop.runner import InteropRun
from conformance.interop.steps import BLOCKS, ScenarioResult, StepResult
from conformance.results import (
    Budget,
    CheckResult,
    Completion,
    Evidence,
    Level,
    LoginRecord,
    OperationCoverage,
    Outcome,
    PhaseResult,
    ProfileInfo,
    RequirementResult,
    ResponseTimeSample,
    RunReport,
    SpecInfo,
    SubjectInfo,
    decide_verdict,
    summarise,
)
from conformance.results.tools import tool_versions

INTEROP_VERSION = "1.0.0"
LOGINS_PER_SCENARIO = 6  # the citizens' logins a life event's requirement shows, step by step
PHASE = "interop"
_ID_SEGMENT = re.compile(
    r"/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9]{9,})(?=/|$)"
)


def definition_sha256(scenarios: list[ScenarioResult]) -> str:
    """Fingerprint of what was played: the scenarios, their steps and their requirements."""
    document = [
        {
            "name": result.scenario.name,
            "requirement": result.scenario.requirement,
            "statement": result.scenario.statement,
            "steps": [[step.id, step.block, step.title] for step in result.scenario.steps],
        }
        for result in scenarios
    ]
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def operation_label(run: InteropRun, block: str, exchange: Exchange) -> tuple[str, str, str]:
    """(label, method, path) of a request: the path below the block's base URL, ids as {id}."""
    base = urlsplit(run.combination.of(block).base_url).path.rstrip("/")
    path = urlsplit(exchange.request.url).path
    path = path[len(base) :] if base and path.startswith(base) else path
    path = _ID_SEGMENT.sub("/{id}", path) or "/"
    method = exchange.request.method
    return f"{block} {method} {path}", method, path


def _evidence(run: InteropRun, result: ScenarioResult, step: StepResult) -> Evidence:
    blamed = step.blame or step.step.block
    implementation = run.combination.of(blamed)
    redactor = run.redactor
    evidence = Evidence(
        check=result.scenario.check_id(step.step),
        title=clip_message(f"[{blamed}] {step.step.title}", redactor),
        message=clip_message(
            f"{step.message} (at fault: {blamed} implementation {implementation.name!r}, "
            f"{implementation.base_url})",
            redactor,
        ),
        phase=PHASE,
        subject=step.actor,
    )
    exchange = step.exchange
    if exchange is not None:
        block = next((name for name, item in run.exchanges if item is exchange), step.step.block)
        evidence.operation = operation_label(run, block, exchange)[0]
        evidence.request = sent_evidence(exchange, redactor)
        evidence.curl = curl_command(evidence.request)
        evidence.response = received_evidence(exchange, redactor)
    return evidence


def _requirement(run: InteropRun, result: ScenarioResult) -> RequirementResult:
    scenario = result.scenario
    requirement = RequirementResult(
        id=scenario.requirement,
        level=Level.MUST,
        statement=f"{scenario.title} ({scenario.name}): {scenario.statement}",
        outcome=result.outcome,
        checks=[scenario.check_id(step) for step in scenario.steps],
        cases=sum(1 for step in result.steps if step.outcome is Outcome.PASSED),
    )
    prefix = f"interop:{scenario.name}:"
    requirement.logins = [
        LoginRecord(
            check=check,
            driver=login.driver,
            outcome=clip_message(login.outcome, run.redactor),
            client=login.client,
            steps=login_steps(login.steps, run.redactor),
        )
        for check, login in run.logins
        if check is not None and check.startswith(prefix)
    ][:LOGINS_PER_SCENARIO]
    stopped = result.stopped_at
    if stopped is not None and stopped.outcome is Outcome.FAILED:
        requirement.failures.append(_evidence(run, result, stopped))
        blamed = stopped.blame or stopped.step.block
        requirement.reason = f"step {stopped.step.id} failed; at fault: {blamed}"
    elif stopped is not None:
        message = clip_message(f"{stopped.step.id}: {stopped.message}", run.redactor)
        requirement.errors.append(message)
        requirement.reason = "a step could not be carried out"
    return requirement


def _checks(run: InteropRun) -> list[CheckResult]:
    checks = []
    for result in run.scenarios:
        for step in result.steps:
            ran = step.outcome is not Outcome.SKIPPED
            reason = None
            if step.outcome is Outcome.FAILED:
                reason = f"at fault: {step.blame or step.step.block}: {step.message}"
            elif step.outcome is not Outcome.PASSED:
                reason = step.message
            checks.append(
                CheckResult(
                    id=result.scenario.check_id(step.step),
                    outcome=step.outcome,
                    cases=1 if ran else 0,
                    failures=1 if step.outcome is Outcome.FAILED else 0,
                    errors=1 if step.outcome is Outcome.ERROR else 0,
                    reason=clip_message(reason, run.redactor) if reason else None,
                )
            )
    return checks


def _coverage(run: InteropRun) -> tuple[list[OperationCoverage], list[ResponseTimeSample]]:
    coverage: dict[str, OperationCoverage] = {}
    samples: list[ResponseTimeSample] = []
    for block, exchange in run.exchanges:
        label, method, path = operation_label(run, block, exchange)
        item = coverage.setdefault(label, OperationCoverage(label, method, path))
        item.cases += 1
        item.cases_by_phase[PHASE] = item.cases_by_phase.get(PHASE, 0) + 1
        if exchange.response is None:
            item.errors += 1
            continue
        status = exchange.response.status
        item.status_codes[str(status)] = item.status_codes.get(str(status), 0) + 1
        samples.append(
            ResponseTimeSample(label, PHASE, status, round(exchange.response.elapsed_ms, 3))
        )
    return sorted(coverage.values(), key=lambda item: item.operation), samples


def _subjects(run: InteropRun) -> list[SubjectInfo]:
    identity = run.combination.identity.base_url
    return [
        SubjectInfo(
            "municipality",
            "identity-client",
            f"client 'gemeente-utrecht' at {identity} (client_credentials, private_key_jwt)",
        ),
        SubjectInfo(
            "citizens",
            "identity-client",
            f"GDI test persons logged in through 'burger-portaal' at {identity} "
            "(authorization code with PKCE S256, via the login driver)",
        ),
    ]


def interop_report(run: InteropRun) -> RunReport:
    requirements = [_requirement(run, result) for result in run.scenarios]
    completion = Completion(complete=bool(run.scenarios))
    sha256 = definition_sha256(run.scenarios)
    operations, samples = _coverage(run)
    names = ",".join(result.scenario.name for result in run.scenarios)
    settings = run.settings
    return RunReport(
        run_id=run.run_id,
        tools=tool_versions(),
        spec=SpecInfo(
            path=f"interop:{names}",
            sha256=sha256,
            title="GDI life events across building blocks",
            version=INTEROP_VERSION,
        ),
        profile=ProfileInfo(
            kind="interop",
            name="interop",
            version=INTEROP_VERSION,
            sha256=sha256,
            id_prefix="GDI-GEN",
        ),
        base_url=" ".join(f"{block}={run.combination.of(block).base_url}" for block in BLOCKS),
        seed=settings.seed,
        budget=Budget(
            max_examples=1,
            max_time_s=None,
            workers=1,
            request_timeout_s=settings.request_timeout,
            max_response_bytes=settings.max_response_bytes,
        ),
        started_at=run.started_at,
        finished_at=run.finished_at,
        duration_s=run.duration_s,
        completion=completion,
        verdict=decide_verdict(requirements, completion),
        summary=summarise(requirements, len(run.exchanges)),
        requirements=requirements,
        checks=_checks(run),
        phases=[
            PhaseResult(name=result.scenario.name, status=result.outcome.value)
            for result in run.scenarios
        ],
        subjects=_subjects(run),
        operations=operations,
        response_times=samples,
    )
