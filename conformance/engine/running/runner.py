"""Run one conformance check: probes, then Schemathesis's phases, then the assessment.

``run(config)`` first sends the engine's active probes (``probes``), then drives
Schemathesis's engine over the spec (``conformance.engine.fuzzing.phases``) with all its checks
plus ours, and assesses every requirement of the profile (``assessment``, ``report``). It
returns a ``RunReport``; it never raises for what the target does, only for a target it cannot
reach (``TargetUnreachable``) or a setup it cannot use (``RunSetupError``), both before any
test request is sent. The same seed against the same target state sends the same requests.
"""

from __future__ import annotations

from conformance.engine.catalogue import load_checks
from conformance.engine.config import RunConfig
from conformance.engine.fuzzing.collector import Listener
from conformance.engine.fuzzing.phases import run_generated
from conformance.engine.fuzzing.seed import resolve_seed
from conformance.engine.profile import generic_profile
from conformance.engine.running.budget import Clock, budget_timer
from conformance.engine.running.control import RunControl
from conformance.engine.running.probes import run_probes
from conformance.engine.running.reachability import REACHABILITY_TIMEOUT, check_reachable
from conformance.engine.running.report import assemble_report
from conformance.engine.running.target import (
    checked_config,
    generated_scope,
    new_collector,
    open_target,
)
from conformance.results import RunReport


def run(
    config: RunConfig, *, control: RunControl | None = None, listener: Listener | None = None
) -> RunReport:
    control = control or RunControl()
    load_checks()
    config = checked_config(config)  # an unusable base URL or login driver: before any request
    profile = config.profile or generic_profile()
    seed = resolve_seed(config.seed)
    clock = Clock.start(config.budget_started)
    with budget_timer(config, control, clock.started) as budget:
        check_reachable(
            config.base_url,
            min(config.request_timeout, REACHABILITY_TIMEOUT),
            max_response_bytes=config.max_response_bytes,
            control=control,
        )
        config, target = open_target(config, control)
        collector = new_collector(config, target, control, listener)
        budget.tallies = collector.tallies.__len__  # the report grows with them
        ran = run_probes(config, target, collector, control, profile=profile, seed=seed)
        scope = generated_scope(config, target)
        generated = run_generated(config, control, collector, scope, seed=seed, ran=ran)
        return assemble_report(
            config, target, collector, control, profile, seed, clock, ran, generated
        )
