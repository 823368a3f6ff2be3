"""Active checks: requests the engine sends itself, outside Schemathesis's generation.

An active check is a function ``(ActiveContext) -> Iterable[Observation]``, bound to a check id
that the catalogue declares with ``@active_check("adr:no-trailing-slash")``. The catalogue says
when it runs (its order, whether it always runs, whether it looks only at its operations); the
engine runs every bound check that the profile names (the cheap probes always).
Each observation says what one request (or a few) showed: passed, failed, error or not
applicable, with the exchange as evidence.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.client.credentials import PRIMARY, Subjects
from conformance.engine.catalogue import CATALOGUE
from conformance.engine.checks.exchanges import ExchangeValidator
from conformance.engine.fuzzing.seed import new_seed
from conformance.engine.openapi.datetimes import SchemaWalker
from conformance.engine.openapi.operations import OperationInfo
from conformance.httplimits import Exchange, HttpClient
from conformance.results import Outcome
from conformance.spec import LoadedSpec
from conformance.spec.profile import Profile
from conformance.spec.vendor import VendorConfig


@dataclass(frozen=True, slots=True)
class LoginTrace:
    """Every request a login driver sent for one login of a test citizen, in order."""

    driver: str  # form, browser, test-login, module:callable
    outcome: str  # "redirected back to the client with a code", or why not
    steps: tuple[Exchange, ...]
    client: str | None = None


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
    # A login the check made: evidence of how it got its citizen's tokens, judged by nothing
    login: LoginTrace | None = None


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
    # The run's seed: checks that generate data derive theirs from it. Not given: a random one
    # (the seed policy, fuzzing.seed), as a run without a seed gets.
    seed: int = field(default_factory=new_seed)
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


class _ActiveChecks(Mapping[str, ActiveCheck]):
    """Check id -> implementation, for every check that sends requests of its own (a view of
    the catalogue, in run order)."""

    def __getitem__(self, check_id: str) -> ActiveCheck:
        bound = CATALOGUE.bound(check_id)
        if bound is None:
            raise KeyError(check_id)
        return bound.run

    def __iter__(self) -> Iterator[str]:
        return iter([bound.check.id for bound in CATALOGUE.active()])

    def __len__(self) -> int:
        return len(CATALOGUE.active())


ACTIVE_CHECKS: Mapping[str, ActiveCheck] = _ActiveChecks()


def active_check(
    check_id: str, *, always: bool | None = None, per_operation: bool | None = None
) -> Callable[[ActiveCheck], ActiveCheck]:
    """Bind ``func`` to ``check_id``, declared in the catalogue (which says when it runs: the
    keywords, when given, must agree with the declaration)."""

    def decorator(func: ActiveCheck) -> ActiveCheck:
        declared = CATALOGUE.get(check_id)
        if declared is not None:
            for name, given, actual in (
                ("always", always, declared.always),
                ("per_operation", per_operation, declared.per_operation),
            ):
                if given is not None and given != actual:
                    raise ValueError(f"check {check_id}: {name}={given} but declared {actual}")
        CATALOGUE.bind(check_id, func)
        return func

    return decorator
