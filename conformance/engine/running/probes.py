"""The probes phase: every active check the profile asks for (and those that always run),
before Schemathesis's phases, through the engine's own HTTP client."""

from __future__ import annotations

import contextlib
import dataclasses
import threading

from conformance.engine.catalogue import CATALOGUE, EXCHANGE_VALID, Bound
from conformance.engine.checks.active import ActiveContext
from conformance.engine.config import RunConfig
from conformance.engine.fuzzing.collector import Collector, Progress
from conformance.engine.fuzzing.sharding import Shard
from conformance.engine.running.answers import judged_answer
from conformance.engine.running.control import RunControl
from conformance.engine.running.target import Target
from conformance.httplimits import Exchange, HttpClient
from conformance.results import Outcome
from conformance.spec.profile import Profile


def run_probes(
    config: RunConfig,
    target: Target,
    collector: Collector,
    control: RunControl,
    *,
    profile: Profile,
    seed: int,
) -> set[str]:
    """Run the active checks; the ids of those that ran."""
    ran: set[str] = set()
    with (
        HttpClient(
            timeout=config.request_timeout, max_response_bytes=config.max_response_bytes
        ) as http,
        control.on_stop(http.abort),
    ):
        context = ActiveContext(
            base_url=config.base_url,
            document=target.document,
            api_version=target.api_version,
            operations=target.tested,
            subjects=config.subjects,
            http=http,
            exchanges=target.exchanges,
            spec=target.written,
            stop_event=control.event,
            seed=seed,
            profile=profile,
            restart=config.restart,
            login_driver=config.login_driver,
            vendor=config.vendor,
        )
        run_active_checks(context, profile, collector, ran, config.shard)
    return ran


def run_active_checks(
    context: ActiveContext,
    profile: Profile,
    collector: Collector,
    ran: set[str],
    shard: Shard | None = None,
) -> None:
    wanted = [
        bound for bound in CATALOGUE.active() if bound.always or bound.check.id in profile.check_ids
    ]
    everything = dataclasses.replace(context, operations=list(collector.operations.values()))
    # Checks send from several threads at once (concurrency checks), and each answer is
    # judged in the thread that got it.
    lock = threading.Lock()
    with contextlib.ExitStack() as stack:
        if context.exchanges is not None and EXCHANGE_VALID in profile.check_ids:
            validator, operations = context.exchanges, everything.operations

            def judge(exchange: Exchange) -> None:
                # Judged as it comes, not kept: a check may get many large answers.
                verdict = judged_answer(exchange, validator, operations, context.base_url)
                if verdict is not None:
                    with lock:
                        collector.observe(verdict)

            stack.enter_context(context.http.listening(judge))
        _run_each(context, everything, wanted, collector, ran, shard, lock)


def _run_each(
    context: ActiveContext,
    everything: ActiveContext,
    wanted: list[Bound],
    collector: Collector,
    ran: set[str],
    shard: Shard | None,
    lock: threading.Lock,
) -> None:
    for bound in wanted:
        check = bound.check.id
        if context.stopped:
            return
        if shard is not None and not bound.per_operation and not shard.first:
            continue  # an API-wide check: shard 1 runs it
        scope = context if bound.per_operation else everything
        collector.emit(Progress(kind="phase-started", phase="probes", operation=check))
        failures = observed = 0
        for observation in bound.run(scope):
            if observation.outcome is Outcome.ERROR and context.stopped:
                continue  # a request the stop cut short (or never sent): nothing about the target
            with lock:
                collector.observe(observation)
            observed += 1
            failures += observation.outcome is Outcome.FAILED
        if context.stopped and not observed:
            return  # stopped before it judged anything: not executed, for the stop's reason
        ran.add(check)
        collector.emit(
            Progress(kind="probe-done", phase="probes", operation=check, failures=failures)
        )
