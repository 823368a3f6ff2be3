"""The target as a run sees it: a usable configuration, the spec it is tested against, its
operations (this shard's share), and the collector and state its answers go to."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.client.credentials import CredentialError, Subjects
from conformance.client.login import LoginDriverError, driver_for
from conformance.engine.behaviour.identity.endpoints import map_onto_provider
from conformance.engine.checks.exchanges import ExchangeValidator
from conformance.engine.checks.responses import RunState
from conformance.engine.config import RunConfig
from conformance.engine.fuzzing.collector import Collector, Listener
from conformance.engine.fuzzing.phases import Scope, too_large
from conformance.engine.fuzzing.sharding import shard_generated_operations, shard_operations
from conformance.engine.openapi.datetimes import SchemaWalker
from conformance.engine.openapi.operations import OperationInfo, list_operations
from conformance.engine.running.assessment import not_applicable
from conformance.engine.running.control import RunControl
from conformance.engine.running.errors import RunSetupError
from conformance.engine.running.reachability import validate_base_url
from conformance.spec import LoadedSpec


def checked_config(config: RunConfig) -> RunConfig:
    """``config`` with its base URL normalised; RunSetupError for a base URL or login driver
    that cannot be used, before any request."""
    base_url = validate_base_url(config.base_url)
    try:
        driver_for(config.login_driver, config.vendor)
    except LoginDriverError as exc:
        raise RunSetupError(str(exc)) from exc
    return dataclasses.replace(config, base_url=base_url)


@dataclass(frozen=True, slots=True)
class Target:
    written: LoadedSpec  # the spec as given (the lint check judges it as written)
    document: dict[str, Any]  # the spec tested against (an OpenID provider's: where it says)
    info: dict[str, Any]
    api_version: str | None
    operations: list[OperationInfo]  # the whole API
    tested: list[OperationInfo]  # the probes' share (this shard's)
    generated: list[OperationInfo]  # the generated phases' share
    too_large: str | None  # why the generated phases cannot handle the spec, or None
    exchanges: ExchangeValidator | None  # openapi-core's validation of generated exchanges
    not_applicable: dict[str, str]  # check id -> why the spec gives it nothing to judge


def open_target(config: RunConfig, control: RunControl | None = None) -> tuple[RunConfig, Target]:
    """The run's configuration with the spec it tests against, and the target.

    An OpenID provider's endpoints are where its discovery document says, not the spec's paths
    (the lint check still judges the spec as written). Credentials that cannot be had fail the
    run here, not halfway through.
    """
    mapped = map_onto_provider(config.spec, config.base_url, timeout=config.request_timeout)
    for subject in config.subjects:
        try:
            config.subjects.headers_for(subject)
        except CredentialError as exc:
            raise RunSetupError(str(exc)) from exc
    document = mapped.bundled
    info = document.get("info") or {}
    operations = list_operations(document)
    shard = config.shard
    large = too_large(operations)
    exchanges: ExchangeValidator | None = None
    if large is None:  # only generated cases are validated with openapi-core
        try:
            exchanges = ExchangeValidator(document, config.base_url)
        except Exception as exc:
            raise RunSetupError(f"openapi-core cannot use the spec: {exc}") from exc
    target = Target(
        written=config.spec,
        document=document,
        info=info,
        api_version=str(info["version"]) if "version" in info else None,
        operations=operations,
        tested=shard_operations(operations, shard) if shard else operations,
        generated=shard_generated_operations(operations, shard) if shard else operations,
        too_large=large,
        exchanges=exchanges,
        # Worked out now, within the budget, rather than once it has run out.
        not_applicable=not_applicable(document, stopped=lambda: bool(control and control.stopped))
        if operations
        else {},
    )
    return dataclasses.replace(config, spec=mapped), target


def new_collector(
    config: RunConfig, target: Target, control: RunControl, listener: Listener | None
) -> Collector:
    return Collector(
        target.operations,
        config.subjects.redactor,
        subject_of=_subject_matcher(config.subjects),
        listener=listener,
        stopped=lambda: control.stopped,
        document=target.document,
    )


def generated_scope(config: RunConfig, target: Target) -> Scope:
    """What the generated phases test, and what their per-response checks need to know."""
    state = RunState(
        api_version=target.api_version,
        document=target.document,
        tls=config.base_url.startswith("https://"),
        walker=SchemaWalker(target.document),
        exchanges=target.exchanges,
    )
    return Scope(state, target.generated, target.too_large)


def _subject_matcher(subjects: Subjects) -> Callable[[Mapping[str, str]], str | None]:
    def subject_of(headers: Mapping[str, str]) -> str | None:
        lowered = {name.lower(): value for name, value in headers.items()}
        for name in subjects:
            try:
                expected = subjects.headers_for(name)
            except CredentialError:
                continue
            if expected and all(
                lowered.get(key.lower()) == value for key, value in expected.items()
            ):
                return name
        return None

    return subject_of
