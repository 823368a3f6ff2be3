"""The check catalogue: every check the engine knows, declared once.

A check is declared with ``declare(CheckDef(...))`` (or ``behaviour_check`` for the
building-block checks, which declares through here): its id (the name profiles use), its kind,
what it applies to, its precondition (when an exchange is evidence for it) and its place in the
run order. Implementations bind to a declared id (``bind``); an id declared twice, or bound
without a declaration, is refused at import. The modules that declare and bind checks are listed
in ``CHECK_MODULES`` and loaded by ``load_checks``, in that order; nothing registers a check by
being imported somewhere else.

The precondition is what makes a pass honest: a requirement passes only when at least one
exchange met the precondition of its checks and none failed (see ``assess``).
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from conformance.engine.verdict.facts import (
    ANSWERED,
    CREATED_THEN_READ,
    DELETED_THEN_READ,
    ERROR_RESPONSE,
    NEGATIVE_VALIDATED,
    POSITIVE_REACHED,
    REACHED,
    RECORDED,
    SECURED_SUCCESS,
    UNDECLARED_METHOD,
    Precondition,
    spec_declares_creation,
    spec_declares_date_times,
    spec_declares_required_headers,
    spec_declares_update,
    spec_pages,
)


class Kind(StrEnum):
    SCHEMATHESIS = "schemathesis"  # Schemathesis's own check, on every response it receives
    RESPONSE = "response"  # ours, on every response Schemathesis receives
    PROBE = "probe"  # requests of our own, sent before generation
    ACTIVE = "active"  # a scenario of our own (security, availability, pagination)
    BEHAVIOUR = "behaviour"  # a building block's behaviour (bb:<block>:<name>)
    STATIC = "static"  # about the spec, not the implementation: the same for every vendor


# Stages of the run order; a check's order is its stage plus its place within it.
PROBES, SPEC, BEHAVIOUR, AVAILABILITY, SECURITY, STATEFUL, VENDOR, GENERATED = (
    1000,
    2000,
    3000,
    4000,
    5000,
    6000,
    8000,
    9000,
)


@dataclass(frozen=True, slots=True)
class CheckDef:
    id: str
    kind: Kind
    applies_to: str  # plain words: what the check looks at
    precondition: Precondition
    order: int
    per_operation: bool = False  # looks only at the operations it is given (a shard's own)
    always: bool = False  # runs whether or not the profile names it (cheap probes)
    schemathesis_name: str | None = None  # the name Schemathesis knows it by
    # A check judged per response that also sends requests of its own: when those run.
    active_order: int | None = None

    @property
    def per_response(self) -> bool:
        """Judged on the responses Schemathesis receives (not by requests of its own)."""
        return self.kind in (Kind.SCHEMATHESIS, Kind.RESPONSE)

    @property
    def vendor_independent(self) -> bool:
        return self.kind is Kind.STATIC


Runner = Callable[..., Iterable[Any]]
# Namespaces of the checks this engine declares; a check bound under another id (a vendor's,
# plugged in through the pytest plugin) is declared as an active check when it is bound.
OWN_NAMESPACES = ("api", "adr", "sec", "openapi", "lint", "bb")


@dataclass(frozen=True, slots=True)
class Bound:
    """The requests of its own a check sends: its implementation and when it runs."""

    check: CheckDef
    run: Runner
    order: int
    per_operation: bool
    always: bool


@dataclass
class Catalogue:
    """Checks by id, and the implementations of those that send requests of their own."""

    _checks: dict[str, CheckDef] = field(default_factory=dict)
    _bound: dict[str, Bound] = field(default_factory=dict)
    # Looked up for every check result Schemathesis reports: thousands per run.
    _by_schemathesis_name: dict[str, CheckDef] = field(default_factory=dict)

    def declare(self, check: CheckDef) -> CheckDef:
        if check.id in self._checks:
            raise ValueError(f"check {check.id} declared twice")
        self._checks[check.id] = check
        if check.schemathesis_name:
            self._by_schemathesis_name.setdefault(check.schemathesis_name, check)
        return check

    def bind(self, check_id: str, run: Runner) -> None:
        """``run`` carries out ``check_id`` with requests of its own (see ``active``)."""
        check = self._checks.get(check_id)
        if check is None:
            if check_id.split(":", 1)[0] in OWN_NAMESPACES:
                raise ValueError(f"check {check_id} is bound but not declared in the catalogue")
            check = self.declare(
                CheckDef(check_id, Kind.ACTIVE, "a vendor's check", RECORDED, VENDOR + len(self))
            )
        if check.per_response and check.active_order is None:
            raise ValueError(f"check {check_id} is judged per response; it declares no requests")
        if check_id in self._bound and check.kind is not Kind.ACTIVE:
            raise ValueError(f"check {check_id} bound twice")
        order = check.active_order if check.active_order is not None else check.order
        self._bound[check_id] = Bound(check, run, order, check.per_operation, check.always)

    def get(self, check_id: str) -> CheckDef | None:
        return self._checks.get(check_id)

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._checks

    def __len__(self) -> int:
        return len(self._checks)

    def __iter__(self) -> Iterator[CheckDef]:
        return iter(sorted(self._checks.values(), key=lambda check: check.order))

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(self._checks)

    def active(self) -> list[Bound]:
        """The checks that send requests of their own, in run order."""
        return sorted(self._bound.values(), key=lambda bound: bound.order)

    def bound(self, check_id: str) -> Bound | None:
        return self._bound.get(check_id)

    def per_response(self) -> list[CheckDef]:
        return [check for check in self if check.per_response]

    def by_schemathesis_name(self, name: str) -> CheckDef | None:
        return self._by_schemathesis_name.get(name)


CATALOGUE = Catalogue()
declare = CATALOGUE.declare


def _schemathesis(
    name: str,
    applies_to: str,
    precondition: Precondition,
    position: int,
    active_order: int | None = None,
) -> CheckDef:
    return declare(
        CheckDef(
            id=f"api:{name}",
            kind=Kind.SCHEMATHESIS,
            applies_to=applies_to,
            precondition=precondition,
            order=GENERATED + position,
            schemathesis_name=name,
            active_order=active_order,
        )
    )


# -- Schemathesis's checks ------------------------------------------------------------------
NOT_A_SERVER_ERROR = _schemathesis("not_a_server_error", "every response", REACHED, 1).id
STATUS_CODE_CONFORMANCE = _schemathesis(
    "status_code_conformance", "every response to a declared method", REACHED, 2
).id
CONTENT_TYPE_CONFORMANCE = _schemathesis(
    "content_type_conformance", "every response to a declared method", REACHED, 3
).id
RESPONSE_HEADERS_CONFORMANCE = _schemathesis(
    "response_headers_conformance", "every response to a declared method", REACHED, 4
).id
RESPONSE_SCHEMA_CONFORMANCE = _schemathesis(
    "response_schema_conformance", "every response to a declared method", REACHED, 5
).id
NEGATIVE_DATA_REJECTION = _schemathesis(
    "negative_data_rejection", "requests with input the spec forbids", NEGATIVE_VALIDATED, 6
).id
POSITIVE_DATA_ACCEPTANCE = _schemathesis(
    "positive_data_acceptance", "requests the spec calls valid", POSITIVE_REACHED, 7
).id
MISSING_REQUIRED_HEADER = _schemathesis(
    "missing_required_header",
    "requests without a header the spec requires",
    REACHED.where(spec_declares_required_headers, "the spec requires no request header"),
    8,
).id
UNSUPPORTED_METHOD = _schemathesis(
    "unsupported_method", "requests with a method the path does not declare", UNDECLARED_METHOD, 9
).id
# Both also send requests of their own: a creation read back at once (availability), a
# deletion read again (stateful), whether or not the spec declares links.
USE_AFTER_FREE = _schemathesis(
    "use_after_free",
    "reads after a successful DELETE",
    DELETED_THEN_READ,
    10,
    active_order=STATEFUL + 2,
).id
ENSURE_RESOURCE_AVAILABILITY = _schemathesis(
    "ensure_resource_availability",
    "reads right after a creation",
    CREATED_THEN_READ,
    11,
    active_order=AVAILABILITY + 1,
).id
IGNORED_AUTH = _schemathesis(
    "ignored_auth", "successful answers to secured operations", SECURED_SUCCESS, 12
).id
# Not in the agreed vocabulary, but Schemathesis runs them anyway: reported under their own
# ids so that nothing it finds is lost.
ALLOW_HEADER_CONFORMANCE = _schemathesis(
    "allow_header_conformance", "405 answers", ERROR_RESPONSE.only(405, "no 405 was returned"), 13
).id
OBJECT_LEVEL_AUTHORIZATION = _schemathesis(
    "object_level_authorization", "reads of one subject's resource by another", REACHED, 14
).id


def _response(
    check_id: str,
    applies_to: str,
    precondition: Precondition,
    position: int,
    active_order: int | None = None,
) -> str:
    declare(
        CheckDef(
            id=check_id,
            kind=Kind.RESPONSE,
            applies_to=applies_to,
            precondition=precondition,
            order=GENERATED + 50 + position,
            per_operation=active_order is not None,
            active_order=active_order,
        )
    )
    return check_id


# -- ours, on every response Schemathesis receives ------------------------------------------
VERSION_HEADER = _response("adr:version-header", "every response", ANSWERED, 1)
PROBLEM_DETAILS = _response("adr:problem-details", "4xx and 5xx responses", ERROR_RESPONSE, 2)
INVALID_INPUT_400 = _response(
    "adr:invalid-input-400", "requests with input the spec forbids", NEGATIVE_VALIDATED, 3
)
SECURITY_HEADERS = _response("adr:security-headers", "every response", ANSWERED, 4)
DATE_TIME_FORMAT = _response(
    "adr:date-time-format",
    "dates and date-times in response bodies",
    RECORDED.named(
        "a response that carries a date or date-time",
        "no response carried a date or date-time",
    ).where(spec_declares_date_times, "no response of the spec declares a date or date-time"),
    5,
)
NO_INTERNAL_DETAILS = _response(
    "sec:no-internal-details",
    "error responses with a body",
    RECORDED.named("an error response with a body", "no error response had a body"),
    6,
)
EXCHANGE_VALID = _response(
    "openapi:exchange-valid", "every response to a declared method", REACHED, 7
)
# Also an active check: the spec's own URIs, and requests of its own (see sensitive_uris).
NO_SENSITIVE_URIS = _response(
    "adr:no-sensitive-uris",
    "URIs the spec declares and responses hand out",
    RECORDED.named("a URI in the spec or a response", "no URI was declared or handed out"),
    8,
    active_order=PROBES + 5,
)


def _active(
    check_id: str,
    kind: Kind,
    applies_to: str,
    order: int,
    *,
    per_operation: bool = False,
    always: bool = False,
    precondition: Precondition = RECORDED,
) -> str:
    declare(
        CheckDef(
            id=check_id,
            kind=kind,
            applies_to=applies_to,
            precondition=precondition,
            order=order,
            per_operation=per_operation,
            always=always,
        )
    )
    return check_id


# -- requests of our own, in run order ------------------------------------------------------
PAGINATION = _active(
    "adr:pagination",
    Kind.ACTIVE,
    "operations that page (page and pageSize, or cursor and limit)",
    PROBES + 1,
    per_operation=True,
    precondition=RECORDED.named(
        "a paged collection that was walked", "no paged collection could be read"
    ).where(spec_pages, "no operation of the spec pages"),
)
NO_TRAILING_SLASH = _active(
    "adr:no-trailing-slash",
    Kind.PROBE,
    "every path",
    PROBES + 2,
    per_operation=True,
    always=True,
    # A 404 to a path with a slash says something only where the path without one is there.
    precondition=dataclasses.replace(RECORDED, routed=True).named(
        "a path with a trailing slash, where the API answers the path without one",
        "no path of the API was answered at all",
    ),
)
HTTP_METHODS_405 = _active(
    "adr:http-methods-405",
    Kind.PROBE,
    "methods a path does not declare",
    PROBES + 3,
    per_operation=True,
    always=True,
)
PUBLISH_OPENAPI = _active(
    "adr:publish-openapi", Kind.PROBE, "<base>/openapi.json", PROBES + 4, always=True
)
LINT_ADR = _active(
    "lint:adr",
    Kind.STATIC,
    "the spec in the catalogue (the same for every implementation)",
    SPEC + 1,
)
# Behaviour checks (bb:*) are declared by behaviour_check, in the order of BEHAVIOUR_MODULES.
# A rejection is evidence only where the run's own credentials are accepted (see security).
REJECTION = RECORDED.named(
    "a rejection by an API that accepts the run's own credentials",
    "the API accepted the run's own credentials on no secured read, so a rejection proves nothing",
)
MISSING_TOKEN = _active(
    "sec:missing-token", Kind.ACTIVE, "secured operations", SECURITY + 1, precondition=REJECTION
)
MALFORMED_TOKEN = _active(
    "sec:malformed-token", Kind.ACTIVE, "secured operations", SECURITY + 2, precondition=REJECTION
)
EXPIRED_TOKEN = _active(
    "sec:expired-token", Kind.ACTIVE, "secured operations", SECURITY + 3, precondition=REJECTION
)
WRONG_AUDIENCE = _active(
    "sec:wrong-audience", Kind.ACTIVE, "secured operations", SECURITY + 4, precondition=REJECTION
)
TOKEN_IN_QUERY = _active(
    "sec:token-in-query", Kind.ACTIVE, "secured operations", SECURITY + 5, precondition=REJECTION
)
BOLA = _active(
    "sec:bola", Kind.ACTIVE, "resources one subject creates, used by another", SECURITY + 6
)

READ_AFTER_CREATE = _active(
    "api:read-after-create",
    Kind.ACTIVE,
    "resources a 201 creates, found by their Location or id (no link needed)",
    STATEFUL + 1,
    precondition=RECORDED.named(
        "a resource created (201) and found by its Location or the id in its body",
        "no creation answered 201 with a Location or an id to follow",
    ).where(spec_declares_creation, CREATED_THEN_READ.not_applicable),
)
READ_AFTER_UPDATE = _active(
    "api:read-after-update",
    Kind.ACTIVE,
    "resources a PUT or PATCH changed (2xx), read again at the same URL (no link needed)",
    STATEFUL + 3,
    precondition=RECORDED.named(
        "an update answered 2xx followed by a read of the same resource",
        "no update of a created resource answered 2xx with a changed field the read could show",
    ).where(spec_declares_update, "the spec declares no PUT or PATCH on a path it also reads"),
)

# The modules that bind implementations to these ids (and declare the behaviour checks), in the
# order they are loaded.
CHECK_MODULES: tuple[str, ...] = (
    "conformance.engine.checks.responses",
    "conformance.engine.checks.pagination",
    "conformance.engine.checks.probes",
    "conformance.engine.checks.sensitive_uris",
    "conformance.engine.checks.static",
    "conformance.engine.behaviour.identity.client_auth",
    "conformance.engine.behaviour.identity.discovery",
    "conformance.engine.behaviour.identity.grants",
    "conformance.engine.behaviour.identity.introspection",
    "conformance.engine.behaviour.identity.tokens",
    "conformance.engine.behaviour.messaging_durability",
    "conformance.engine.behaviour.messaging_events",
    "conformance.engine.behaviour.messaging_inbox",
    "conformance.engine.behaviour.messaging_sending",
    # births and moves before access, which reuses their helpers: the run order stays theirs
    "conformance.engine.behaviour.registries_events",
    "conformance.engine.behaviour.registries_moves",
    "conformance.engine.behaviour.registries_access",
    "conformance.engine.behaviour.registries_privacy",
    "conformance.engine.behaviour.registries_queries",
    "conformance.engine.behaviour.registries_fields",
    "conformance.engine.behaviour.registries_paging",
    "conformance.engine.checks.availability",
    "conformance.engine.checks.security",
    "conformance.engine.fuzzing.stateful",
)


def load_checks() -> Catalogue:
    """Import every check module (once); the catalogue is then complete."""
    for module in CHECK_MODULES:
        importlib.import_module(module)
    return CATALOGUE


# ADR rule id -> the runtime checks that enforce it. A profile exception names either a check
# id or an ADR rule id; a rule id excuses the failures of exactly these checks.
ADR_RULE_CHECKS: dict[str, tuple[str, ...]] = {
    "/core/version-header": (VERSION_HEADER,),
    "/core/error-handling/problem-details": (PROBLEM_DETAILS,),
    "/core/error-handling/invalid-input": (INVALID_INPUT_400, NEGATIVE_DATA_REJECTION),
    "/core/no-trailing-slash": (NO_TRAILING_SLASH,),
    "/core/http-methods": (HTTP_METHODS_405, UNSUPPORTED_METHOD, ALLOW_HEADER_CONFORMANCE),
    "/core/publish-openapi": (PUBLISH_OPENAPI,),
    "/core/transport/security-headers": (SECURITY_HEADERS,),
    "/core/date-time/format": (DATE_TIME_FORMAT,),
    "/core/date-time/timezone": (DATE_TIME_FORMAT,),
    "/core/transport/no-sensitive-uris": (NO_SENSITIVE_URIS,),
}


def checks_excused_by(rule: str) -> frozenset[str]:
    """Check ids whose failures an exception to ``rule`` (a rule id or a check id) covers."""
    if rule in ADR_RULE_CHECKS:
        return frozenset(ADR_RULE_CHECKS[rule])
    return frozenset({rule})


__all__ = [
    "CATALOGUE",
    "CHECK_MODULES",
    "Catalogue",
    "CheckDef",
    "Kind",
    "checks_excused_by",
    "declare",
    "load_checks",
]
