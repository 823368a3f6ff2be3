"""Play the life-event scenarios against one combination of identity, registries and messaging.

``play(combination, settings)`` runs every scenario once, in order, each on a fresh ``Journey``
over one shared ``Wire`` (so every request is kept) and one loopback ``Receiver`` for the
notifications. It never raises for what a block does; what went wrong is in the results.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from conformance.client.harness_clients import TestClients, load_test_clients
from conformance.client.login import LoginDriver, test_login
from conformance.client.receiver import Receiver
from conformance.engine.checks.active import LoginTrace
from conformance.httplimits import Exchange, HttpClient
from conformance.interop.blocks import IdentityBlock, Wire
from conformance.interop.people import Person, dutch_today, load_persons
from conformance.interop.resource_blocks import MessagingBlock, RegistriesBlock
from conformance.interop.scenarios import SCENARIOS
from conformance.interop.scenarios.common import Stage
from conformance.interop.steps import BLOCKS, Journey, Scenario, ScenarioResult
from conformance.results import Outcome, Redactor

DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Implementation:
    """One implementation of a block: a name (as the matrix shows it) and its base URL."""

    block: str
    name: str
    base_url: str


@dataclass(frozen=True, slots=True)
class Combination:
    identity: Implementation
    registries: Implementation
    messaging: Implementation

    def of(self, block: str) -> Implementation:
        implementation: Implementation = getattr(self, block)
        return implementation

    @property
    def label(self) -> str:
        return " + ".join(f"{block} {self.of(block).name}" for block in BLOCKS)

    @property
    def slug(self) -> str:
        """A directory name for this combination's report."""
        parts = [self.of(block).name for block in BLOCKS]
        return "__".join("".join(c if c.isalnum() or c in "-." else "-" for c in p) for p in parts)


def combination_of(identity: str, registries: str, messaging: str) -> Combination:
    """A combination of base URLs, each implementation named after its block."""
    return Combination(
        Implementation("identity", "identity", identity.rstrip("/")),
        Implementation("registries", "registries", registries.rstrip("/")),
        Implementation("messaging", "messaging", messaging.rstrip("/")),
    )


@dataclass(slots=True)
class InteropSettings:
    seed: int
    request_timeout: float = 10.0
    delivery_timeout: float = 10.0
    receiver_host: str = "127.0.0.1"
    login_driver: LoginDriver = test_login
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    clients: TestClients | None = None  # None: the harness's test clients from the seed data
    persons: list[Person] | None = None  # None: the GDI test persons from the seed data
    # BSN -> a citizen's login fields (the vendor file's test users), for the login driver
    citizen_fields: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(slots=True)
class InteropRun:
    combination: Combination
    settings: InteropSettings
    run_id: str
    started_at: str
    finished_at: str = ""
    duration_s: float = 0.0
    scenarios: list[ScenarioResult] = field(default_factory=list)
    exchanges: list[tuple[str, Exchange]] = field(default_factory=list)
    redactor: Redactor = field(default_factory=Redactor)
    # Every citizen's login, with the check id of the step that needed it (evidence)
    logins: list[tuple[str | None, LoginTrace]] = field(default_factory=list)

    @property
    def outcome(self) -> Outcome:
        outcomes = {result.outcome for result in self.scenarios}
        for outcome in (Outcome.FAILED, Outcome.ERROR, Outcome.SKIPPED):
            if outcome in outcomes:
                return outcome
        return Outcome.PASSED if self.scenarios else Outcome.SKIPPED


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def play(
    combination: Combination,
    settings: InteropSettings,
    scenarios: Sequence[Scenario] | None = None,
) -> InteropRun:
    chosen = list(scenarios) if scenarios is not None else list(SCENARIOS.values())
    clients = settings.clients or load_test_clients()
    persons = settings.persons if settings.persons is not None else load_persons()
    run = InteropRun(combination, settings, run_id=str(uuid.uuid4()), started_at=_now())
    started = time.monotonic()
    nonce = uuid.uuid4().hex[:16]
    with (
        HttpClient(
            timeout=settings.request_timeout, max_response_bytes=settings.max_response_bytes
        ) as http,
        Receiver(host=settings.receiver_host) as receiver,
    ):
        wire = Wire(http, run.redactor)
        for scenario in chosen:
            stage = Stage(
                identity=IdentityBlock(
                    wire,
                    combination.identity.base_url,
                    clients,
                    settings.login_driver,
                    settings.citizen_fields,
                ),
                registries=RegistriesBlock(wire, combination.registries.base_url),
                messaging=MessagingBlock(wire, combination.messaging.base_url),
                receiver=receiver,
                persons=persons,
                random=random.Random(f"{settings.seed}:{scenario.name}"),
                nonce=nonce,
                delivery_timeout=settings.delivery_timeout,
                today=dutch_today(),
            )
            journey = Journey(
                scenario, lambda: len(wire.exchanges), lambda: wire.last, wire.playing
            )
            run.scenarios.append(journey.play(stage))
        run.exchanges = list(wire.exchanges)
        run.logins = list(wire.logins)
    run.finished_at = _now()
    run.duration_s = round(time.monotonic() - started, 3)
    return run
