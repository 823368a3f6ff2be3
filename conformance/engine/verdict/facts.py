"""When an exchange is evidence for a check: preconditions over what one exchange showed.

A case that was sent is not yet evidence. A 401 to a request with a wrong token proves nothing
about how the API treats valid input; a run in which no 201 was ever returned proves nothing
about reading a resource back. Every check declares (in ``catalogue``) a ``Precondition``: a
test on the ``Facts`` of one exchange, what to call an exchange that meets it, and what to say,
in plain words, when none did. ``applies`` says whether the spec declares anything the check is
about at all: a check about date-times is not applicable to an API whose responses have none,
but not executed when they have and no response carried one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conformance.engine.openapi.datetimes import SchemaWalker
from conformance.engine.openapi.operations import HTTP_METHODS, list_operations
from conformance.engine.openapi.paging import paged_operations
from conformance.engine.openapi.spec_requests import demands_credentials

# Statuses an API may answer invalid input with besides 400: the request fails before its
# content is looked at (credentials, routing, method, size, media type).
EARLIER_REJECTIONS = frozenset({401, 403, 404, 405, 406, 411, 413, 414, 415, 431})
# Answers that say the request never reached the operation's own handling.
CREDENTIALS_REJECTED = frozenset({401, 403})


@dataclass(frozen=True, slots=True)
class Facts:
    """What one exchange of Schemathesis's generation showed (as preconditions need it)."""

    method: str  # as sent, upper case
    declared: bool  # the method is the operation's own (not an unsupported-method case)
    status: int
    negative: bool  # the case carries input the spec forbids (and it reached the API)
    secured: bool  # the operation demands credentials
    created_then_read: bool  # a read that follows a creation in the same scenario
    deleted_then_read: bool  # a request that follows a successful DELETE of its resource


Test = Callable[[Facts], bool]
Applies = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True, slots=True)
class Precondition:
    describe: str  # what an exchange that is evidence is, e.g. "a response that was routed"
    missing: str  # why nothing was evidence, e.g. "no 201 was ever returned"
    # None: every result the check itself records is evidence (our own checks record only the
    # exchanges subject to them, and active checks only what they judged).
    test: Test | None = None
    # A 404 counts only when some request of the run was routed: answered other than 401, 403
    # or 404. Otherwise the base URL is most likely wrong and nothing reached the operations.
    routed: bool = False
    applies: Applies | None = None  # None: every spec with operations
    not_applicable: str = ""  # why, when ``applies`` says no

    def met(self, facts: Facts) -> bool:
        return self.test is None or self.test(facts)

    def named(self, describe: str, missing: str) -> Precondition:
        return dataclasses.replace(self, describe=describe, missing=missing)

    def where(self, applies: Applies, not_applicable: str) -> Precondition:
        return dataclasses.replace(self, applies=applies, not_applicable=not_applicable)

    def only(self, status: int, missing: str) -> Precondition:
        test = self.test
        return dataclasses.replace(
            self,
            describe=f"a {status} answer",
            missing=missing,
            test=lambda facts: facts.status == status and (test is None or test(facts)),
        )


def _reached(facts: Facts) -> bool:
    return facts.declared and facts.status not in CREDENTIALS_REJECTED


ANSWERED = Precondition("a response", "no request got an answer", lambda facts: True)
ERROR_RESPONSE = Precondition(
    "a 4xx or 5xx response", "no error response was returned", lambda facts: facts.status >= 400
)
REACHED = Precondition(
    "a response from the operation itself (not a 401 or 403)",
    "no request got past authentication",
    _reached,
    routed=True,
)
POSITIVE_REACHED = Precondition(
    "a valid request that got past authentication",
    "no valid request got past authentication",
    # A 5xx accepts nothing (api:not_a_server_error reports it).
    lambda facts: not facts.negative and _reached(facts) and facts.status < 500,
    routed=True,
)
NEGATIVE_VALIDATED = Precondition(
    "invalid input that reached validation (answered other than 401, 403, 404, 405, ...)",
    "no invalid input reached validation: no 400 (or 2xx) was answered to a request the spec "
    "forbids",
    lambda facts: facts.negative and facts.status not in EARLIER_REJECTIONS,
)
UNDECLARED_METHOD = Precondition(
    "a request with a method its path does not declare",
    "no request with an undeclared method was sent",
    lambda facts: not facts.declared,
)
SECURED_SUCCESS = Precondition(
    "a 2xx answer from a secured operation",
    "no secured operation ever answered 2xx",
    lambda facts: facts.secured and 200 <= facts.status < 300,
    applies=lambda document: spec_secures_an_operation(document),
    not_applicable="the spec secures no operation (no security requirement)",
)
CREATED_THEN_READ = Precondition(
    "a read that followed a creation (a 201 or a Location)",
    "no read followed a creation",
    lambda facts: facts.created_then_read,
    applies=lambda document: spec_declares_creation(document),
    not_applicable="the spec declares no operation that creates a resource (no 201)",
)
DELETED_THEN_READ = Precondition(
    "a request on a resource after its successful DELETE",
    "no resource was requested again after a successful DELETE",
    lambda facts: facts.deleted_then_read,
    applies=lambda document: spec_declares_deletion(document),
    not_applicable="the spec declares no DELETE",
)
RECORDED = Precondition("an exchange the check judged", "the check judged no exchange")


# -- what the spec declares ------------------------------------------------------------------
def _operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    walker = SchemaWalker(document)
    found = []
    for item in (document.get("paths") or {}).values():
        item = walker.resolve(item)
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                found.append((method, operation))
    return found


def spec_has_operations(document: dict[str, Any]) -> bool:
    return bool(_operations(document))


def spec_declares_creation(document: dict[str, Any]) -> bool:
    walker = SchemaWalker(document)
    return any(
        "201" in walker.resolve(operation.get("responses") or {})
        for _, operation in _operations(document)
    )


def spec_secures_an_operation(document: dict[str, Any]) -> bool:
    """Some operation demands credentials, by the rule the security checks use."""
    return any(demands_credentials(document, operation) for _, operation in _operations(document))


def spec_declares_deletion(document: dict[str, Any]) -> bool:
    return any(method == "delete" for method, _ in _operations(document))


def spec_declares_update(document: dict[str, Any]) -> bool:
    """Some path declares both a read (GET) and an update (PUT or PATCH) of what it names."""
    walker = SchemaWalker(document)
    for item in (document.get("paths") or {}).values():
        item = walker.resolve(item)
        if isinstance(item, dict) and "get" in item and ("put" in item or "patch" in item):
            return True
    return False


def spec_declares_required_headers(document: dict[str, Any]) -> bool:
    walker = SchemaWalker(document)
    for item in (document.get("paths") or {}).values():
        item = walker.resolve(item)
        if not isinstance(item, dict):
            continue
        shared = list(item.get("parameters") or [])
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            for parameter in shared + list(operation.get("parameters") or []):
                parameter = walker.resolve(parameter)
                if (
                    isinstance(parameter, dict)
                    and parameter.get("in") == "header"
                    and parameter.get("required")
                ):
                    return True
    return False


def spec_declares_date_times(document: dict[str, Any]) -> bool:
    """Some response schema of the spec has a date or date-time (anywhere in it)."""
    walker = SchemaWalker(document)
    seen: set[int] = set()

    def walk(node: Any) -> bool:
        node = walker.resolve(node) if isinstance(node, dict) else node
        if isinstance(node, dict):
            if id(node) in seen:
                return False
            seen.add(id(node))
            if node.get("format") in ("date", "date-time"):
                return True
            return any(walk(value) for value in node.values())
        if isinstance(node, list):
            return any(walk(value) for value in node)
        return False

    # Webhooks and callbacks carry dates the engine does not see; only responses count.
    return any(walk(operation.get("responses") or {}) for _, operation in _operations(document))


def spec_pages(document: dict[str, Any]) -> bool:
    return bool(paged_operations(document, list_operations(document)))
