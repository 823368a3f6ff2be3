"""Schemathesis's generated phases of a run: examples, coverage (boundary values of every
constrained parameter), fuzzing (positive and negative) and stateful (OpenAPI links).

Its own engine (the one its CLI uses) runs them with all its checks plus ours. Determinism:
the seed fixes every generated case (Hypothesis derandomisation by seed, no example database,
no Schemathesis cache, no constants drawn from the harness's own source), so the same seed
against the same target state sends the same requests.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import Any, cast

import schemathesis

from conformance.client.credentials import PRIMARY
from conformance.engine.catalogue import CATALOGUE
from conformance.engine.checks.responses import RunState, attach, detach
from conformance.engine.config import RunConfig
from conformance.engine.fuzzing.collector import TESTING_PHASES, Collector
from conformance.engine.fuzzing.hypothesis_setup import private_hypothesis_home
from conformance.engine.fuzzing.internals import execute, without_local_constants
from conformance.engine.fuzzing.transport import (
    SubjectAuth,
    abort_requests,
    limit_responses,
    release,
)
from conformance.engine.generation.formats import register_formats
from conformance.engine.openapi.operations import OperationInfo
from conformance.engine.running.control import RunControl
from conformance.engine.running.errors import RunSetupError

# Schemathesis analyses the whole spec before its first case: past about a thousand operations
# that analysis alone takes minutes and more than 300 MB (0.1 MB and 2 ms per path, growing
# faster than the paths). A larger spec gets the probes only; its generated phases are reported
# not executed, with this reason.
MAX_GENERATED_OPERATIONS = 1000


def too_large(operations: list[OperationInfo]) -> str | None:
    """Why the spec is too large for Schemathesis's phases, or None."""
    if len(operations) <= MAX_GENERATED_OPERATIONS:
        return None
    return (
        f"not executed: the spec has {len(operations)} operations, more than the "
        f"{MAX_GENERATED_OPERATIONS} the generated phases handle within bounded time and memory"
    )


@dataclass(frozen=True, slots=True)
class Pass:
    """One Schemathesis execution of a run."""

    phases: tuple[str, ...]
    operations: list[str] | None  # labels ("GET /tasks"); None: the whole API
    seed: int
    max_examples: int


def passes(config: RunConfig, generated: list[OperationInfo], seed: int) -> list[Pass]:
    """The Schemathesis executions of this run.

    A shard runs the per-operation phases for its own operations, with the run's seed and
    budget, so together the shards send what one run would. The stateful phase follows links across
    the whole API: every shard runs its share of the scenarios over every operation, with a
    seed of its own derived from the run's (see ``Shard.stateful_seed``).
    """
    if config.shard is None:
        return [Pass(config.phases, None, seed, config.max_examples)]
    unit = tuple(phase for phase in config.phases if phase != "stateful")
    planned: list[Pass] = []
    if unit and generated:
        labels = [operation.label for operation in generated]
        planned.append(Pass(unit, labels, seed, config.max_examples))
    if "stateful" in config.phases:
        shard = config.shard
        planned.append(
            Pass(
                ("stateful",),
                None,
                shard.stateful_seed(seed),
                shard.stateful_share(config.max_examples),
            )
        )
    return planned


@dataclass(frozen=True, slots=True)
class Scope:
    """What the generated phases test."""

    state: RunState  # what the per-response checks need to know of the run
    operations: list[OperationInfo]  # this shard's share of the operations (all, unsharded)
    too_large: str | None  # why the spec is too large for the phases (see ``too_large``), or None


@dataclass(slots=True)
class Generated:
    """What became of the generated phases."""

    planned: bool  # some Schemathesis execution was due (not so for an empty shard)
    not_run: dict[str, str] = field(default_factory=dict)  # phase: why it was not executed


def run_generated(
    config: RunConfig,
    control: RunControl,
    collector: Collector,
    scope: Scope,
    *,
    seed: int,
    ran: set[str],
) -> Generated:
    """Run the generated phases over ``scope``; the per-response checks go into ``ran`` when
    they ran."""
    state, generated = scope.state, scope.operations
    outcome = Generated(planned=bool(passes(config, generated, seed)))
    if scope.too_large is not None:
        outcome.not_run = {phase: scope.too_large for phase in config.phases}
        return outcome
    with private_hypothesis_home(config.hypothesis_dir), without_local_constants():
        per_response = {check.id for check in CATALOGUE.per_response()}
        if not outcome.planned:
            ran.update(per_response)  # an empty shard: nothing to generate
        elif _run_schemathesis(config, seed, state, collector, control, generated, outcome):
            ran.update(per_response)
    return outcome


def _run_schemathesis(
    config: RunConfig,
    seed: int,
    state: RunState,
    collector: Collector,
    control: RunControl,
    generated: list[OperationInfo],
    outcome: Generated,
) -> bool:
    """Drive Schemathesis's engine; True when it got to run. Where Schemathesis itself fails
    on the spec (a RecursionError in its analysis of a very large one, say), its phases are
    put in ``not_run`` with the reason, and the run reports what it has."""
    register_formats()
    ran = False
    for execution in passes(config, generated, seed):
        if control.stopped:
            return ran
        try:
            _execute(config, execution, state, collector, control)
        except RunSetupError:
            raise
        except Exception as exc:
            failure = f"{type(exc).__name__}: {exc}"[:200]
            for phase in execution.phases:
                outcome.not_run[phase] = (
                    f"not executed: Schemathesis failed on this spec ({failure})"
                )
            return ran
        ran = True
    return ran


def schemathesis_config(config: RunConfig, execution: Pass) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": execution.seed,
            "base-url": config.base_url,
            # Judge every answer as given: a redirect is not followed (to another host, it
            # would carry credentials away).
            "max-redirects": 0,
            "request-timeout": config.request_timeout,
            "workers": config.threads,
            # Keep testing an operation after a failure, so every check sees every case.
            "continue-on-failure": True,
            # Timing-based health checks would make the same seed behave differently.
            "suppress-health-check": ["all"],
            # No state carried between runs: a run depends on its seed and the target only.
            "cache": {"enabled": False},
            "generation": {
                "max-examples": execution.max_examples,
                "database": "none",
                "mode": "all",
            },
            "phases": {name: {"enabled": name in execution.phases} for name in TESTING_PHASES},
            "checks": {"enabled": True},
        }
    )


def _execute(
    config: RunConfig,
    execution: Pass,
    state: RunState,
    collector: Collector,
    control: RunControl,
) -> None:
    try:
        schema = schemathesis.openapi.from_dict(
            copy.deepcopy(config.spec.bundled), config=schemathesis_config(config, execution)
        )
    except Exception as exc:  # Schemathesis rejects specs the loader accepted, e.g. bad regexes
        raise RunSetupError(f"Schemathesis cannot use the spec: {exc}") from exc
    if execution.operations is not None:  # same class, fewer operations
        schema = cast(Any, schema.include(name=execution.operations))
    if PRIMARY in config.subjects:
        schema.auth.set_from_requests(SubjectAuth(config.subjects, PRIMARY))
    attach(schema, state)
    limit_responses(schema, config.max_response_bytes)
    try:
        stream = execute(schema)
        control.bind(stream)
        with control.on_stop(lambda: _abort_later(schema, _stop_grace(config))):
            for event in stream:
                collector.handle(event)
    finally:
        control.bind(None)
        detach(schema)
        release(schema)


def _stop_grace(config: RunConfig) -> float:
    """How long the case in flight at a stop may still take: its answer is judged if it comes
    (see ``RunControl``), within half the 10 % a run may overrun its budget."""
    share = 0.05 * config.max_time if config.max_time is not None else 2.0
    return min(config.request_timeout, max(share, 0.5))


def _abort_later(schema: Any, grace: float) -> None:
    timer = threading.Timer(grace, abort_requests, args=(schema,))
    timer.daemon = True
    timer.start()
