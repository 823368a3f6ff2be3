"""Active checks: requests the engine sends itself, outside Schemathesis's generation.

An active check is a function ``(ActiveContext) -> Iterable[Observation]``, registered under
its check id with ``@active_check("adr:no-trailing-slash")``. The engine's own probes are
registered this way, and so can later checks (security, building-block behaviour): the
engine runs every registered active check that the profile names (its own probes always).
Each observation says what one request (or a few) showed: passed, failed, error or not
applicable, with the exchange as evidence.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance.engine.auth import PRIMARY, Subjects
from conformance.engine.datetimes import SchemaWalker
from conformance.engine.exchanges import ExchangeValidator
from conformance.engine.http import Exchange, HttpClient
from conformance.engine.operations import OperationInfo
from conformance.engine.profile import Profile
from conformance.results import Outcome
from conformance.spec import LoadedSpec
from conformance.spec.vendor import VendorConfig


@dataclass(slots=True)
class Observation:
    check: str
    outcome: Outcome
    title: str = ""
    message: str = ""
    operation: OperationInfo | None = None
    label: str | None = None  # for requests outside the spec, e.g. "PATCH /tasks"
    exchange: Exchange | None = None
    subject: str | None = None  # the subject whose credentials the request carried


@dataclass(slots=True)
class ActiveContext:
    """Everything an active check may use; it must send requests only through ``http``."""

    base_url: str
    document: dict[str, Any]
    api_version: str | None
    operations: list[OperationInfo]
    subjects: Subjects
    http: HttpClient
    exchanges: ExchangeValidator | None
    spec: LoadedSpec | None = None
    stop_event: threading.Event = field(default_factory=threading.Event)
    seed: int | None = None  # the run's seed: checks that generate data derive theirs from it
    profile: Profile | None = None  # the profile the run assesses (e.g. which operations are owned)
    # Crashes the implementation (no shutdown code may run: SIGKILL or the like) and starts it
    # again on the same address and data; returns once it is started. Given by whoever runs the
    # implementation (certify --reference); None: the harness cannot crash it.
    restart: Callable[[], None] | None = None
    # The login driver the identity checks use (see behaviour.login); None: the environment's
    # choice, else the test login.
    login_driver: str | None = None
    # The vendor file (gdi-conformance.yaml): the test clients, test users and login the
    # identity checks use; None: the harness's own (fixtures/seed/gdi-conformance.yaml).
    vendor: VendorConfig | None = None

    @property
    def walker(self) -> SchemaWalker:
        return SchemaWalker(self.document)

    @property
    def stopped(self) -> bool:
        """True once the run must stop (budget spent, interrupted): send no more requests."""
        return self.stop_event.is_set()

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def credentials(self, subject: str = PRIMARY) -> dict[str, str]:
        return self.subjects.headers_for(subject)


ActiveCheck = Callable[[ActiveContext], Iterable[Observation]]

ACTIVE_CHECKS: dict[str, ActiveCheck] = {}
# Active checks the engine runs whether or not the profile names them (they are cheap).
ALWAYS_RUN: set[str] = set()
# Active checks that look only at ``ActiveContext.operations``, each on its own: a sharded run
# gives each shard its own operations. Every other active check runs in shard 1 only.
PER_OPERATION: set[str] = set()


def active_check(
    check_id: str, *, always: bool = False, per_operation: bool = False
) -> Callable[[ActiveCheck], ActiveCheck]:
    """Register ``func`` as the active check ``check_id`` (a later registration replaces it)."""

    def decorator(func: ActiveCheck) -> ActiveCheck:
        ACTIVE_CHECKS[check_id] = func
        if always:
            ALWAYS_RUN.add(check_id)
        if per_operation:
            PER_OPERATION.add(check_id)
        return func

    return decorator
