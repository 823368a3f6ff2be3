"""Assembling a run's report: completion, phases, the spec and profile as named, the budget."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from pathlib import Path

from conformance.engine.catalogue import CATALOGUE
from conformance.engine.config import RunConfig
from conformance.engine.fuzzing.collector import TESTING_PHASES, Collector
from conformance.engine.fuzzing.internals import StopReason
from conformance.engine.fuzzing.phases import Generated
from conformance.engine.running.assessment import assess
from conformance.engine.running.budget import Clock, now
from conformance.engine.running.control import RunControl
from conformance.engine.running.target import Target
from conformance.results import (
    Budget,
    Completion,
    PhaseResult,
    ProfileInfo,
    RunReport,
    ShardInfo,
    SpecInfo,
    Verdict,
    decide_verdict,
    summarise,
)
from conformance.results.tools import tool_versions
from conformance.spec.labels import portable_label
from conformance.spec.profile import Profile


def assemble_report(
    config: RunConfig,
    target: Target,
    collector: Collector,
    control: RunControl,
    profile: Profile,
    seed: int,
    clock: Clock,
    ran: set[str],
    generated: Generated,
) -> RunReport:
    completion = _completion(
        control,
        collector,
        generated=generated.planned and not generated.not_run,
        not_executed=next(iter(generated.not_run.values()), None),
    )
    assessment = assess(
        profile,
        collector,
        ran,
        completion,
        shard=config.shard,
        inapplicable=target.not_applicable,
    )
    # Operations no case reached are listed when the generated phases were to reach them;
    # not when the spec was too large for those phases (a line per operation of thousands,
    # each saying nothing was sent, took seconds to write that the budget no longer had).
    generated_labels = (
        {operation.label for operation in target.generated} if target.too_large is None else set()
    )
    finished = time.monotonic()
    return RunReport(
        run_id=str(uuid.uuid4()),
        tools=tool_versions(),
        spec=SpecInfo(
            path=spec_label(config),
            sha256=config.spec.sha256,
            title=str(target.info["title"]) if "title" in target.info else None,
            version=target.api_version,
            openapi_version=config.spec.openapi_version,
        ),
        profile=_profile_info(profile),
        base_url=config.base_url,
        seed=seed,
        budget=Budget(
            max_examples=config.max_examples,
            max_time_s=config.max_time,
            workers=config.processes,
            threads=config.threads,
            request_timeout_s=config.request_timeout,
            max_response_bytes=config.max_response_bytes,
        ),
        started_at=clock.started_at,
        finished_at=now(),
        duration_s=round(finished - clock.started, 3),
        completion=completion,
        # A shard is a part of a run: only the merge of all parts has a verdict.
        verdict=Verdict.PARTIAL
        if config.shard
        else decide_verdict(assessment.requirements, completion),
        summary=summarise(assessment.requirements, collector.total_cases),
        requirements=assessment.requirements,
        checks=assessment.checks,
        phases=_phases(collector, ran, config, generated.not_run),
        subjects=config.subjects.describe(),
        operations=[
            coverage
            for label, coverage in collector.coverage.items()
            if coverage.cases or label in generated_labels
        ],
        response_times=collector.samples,
        errors=collector.errors,
        product=config.product,
        shard=ShardInfo(
            index=config.shard.index,
            count=config.shard.count,
            operations=[operation.label for operation in target.generated],
        )
        if config.shard
        else None,
    )


def _profile_info(profile: Profile) -> ProfileInfo:
    return ProfileInfo(
        kind=profile.kind,
        name=profile.name,
        version=profile.version,
        sha256=profile.sha256,
        id_prefix=profile.id_prefix,
        path=portable_label(profile.path) if profile.path else None,
    )


def spec_label(config: RunConfig) -> str:
    """How the report names the spec: never by a local absolute path (see spec.labels)."""
    portable = portable_label(config.spec.path)
    label = config.spec_label or portable
    for local in {str(config.spec.path), str(Path(config.spec.path).resolve())}:
        if Path(local).is_absolute():
            label = label.replace(local, portable)
    return label


def _completion(
    control: RunControl,
    collector: Collector,
    *,
    generated: bool = True,
    not_executed: str | None = None,
) -> Completion:
    if control.stopped:
        return Completion(complete=False, reason=control.reason)
    if not_executed is not None:  # a phase that could not handle the spec
        return Completion(complete=False, reason=f"generated phases {not_executed}")
    if collector.fatal:
        return Completion(complete=False, reason=f"the engine failed: {collector.fatal}")
    if collector.stop_reason is StopReason.SERVER_UNAVAILABLE:
        return Completion(complete=False, reason="the target stopped responding during the run")
    if collector.interrupted or collector.stop_reason not in (StopReason.COMPLETED, None):
        reason = collector.stop_reason.value if collector.stop_reason else "interrupted"
        return Completion(complete=False, reason=f"the run stopped early ({reason})")
    if collector.stop_reason is None and generated:
        return Completion(complete=False, reason="generated testing did not run")
    return Completion(complete=True)


def _phases(
    collector: Collector, ran: set[str], config: RunConfig, not_run: Mapping[str, str]
) -> list[PhaseResult]:
    active = {bound.check.id for bound in CATALOGUE.active()}
    probes_ran = any(check in ran for check in active)
    probe_status = "skipped"
    if probes_ran:
        failed = any(
            tally.failures for (check, _), tally in collector.tallies.items() if check in active
        )
        probe_status = "failed" if failed else "passed"
    phases = [PhaseResult(name="probes", status=probe_status)]
    # A sharded run executes Schemathesis more than once; each execution reports every phase,
    # the ones it did not run as skipped.
    seen: dict[str, PhaseResult] = {}
    for phase in collector.phases:
        if phase.name not in seen or seen[phase.name].status == "skipped":
            seen[phase.name] = phase
    phases += seen.values()
    for name in TESTING_PHASES:
        if name in not_run and (name not in seen or seen[name].status == "skipped"):
            phases = [phase for phase in phases if phase.name != name]
            phases.append(PhaseResult(name=name, status="skipped", reason=not_run[name]))
        elif name not in seen:
            reason = "disabled" if name not in config.phases else "not reached"
            phases.append(PhaseResult(name=name, status="skipped", reason=reason))
    return phases
