"""sec:bola: broken object-level authorization, shown with two subjects.

The primary subject creates a resource with the request its spec calls valid (an operation
answering 201 whose 201 response declares OpenAPI links). The second subject then follows
each link to the new resource: reads first, then changes, deletes last. It must be refused
(any 4xx but 401, which would mean the second subject's own credentials are not accepted);
a 2xx is a finding. Before that, the primary reads the resource itself, so that a refusal
is known to be about the subject and not about a resource that is not there.

The request that creates a resource is the spec's example; when the spec gives its body no
example, the body is composed from the examples of its properties, and an OpenAPI link from
another creation's 201 with a ``requestBody`` (e.g. "the newborn child can move") is followed
into it: that creation comes first, and the link's values (the new child's number) are merged
into the composed body, so the resource is made from what the spec says, on fresh data.
Every observation names its operation; a read that could not be tried is an error naming the
reason, never a silent gap.

Which operations are owner-scoped is the profile's word: the operations of its requirements
that name sec:bola (for a profile without such operations: every link target). A collection
among them (a GET without path parameters) must not list the primary's resource to the
second subject.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from conformance.client.credentials import PRIMARY, SECONDARY, CredentialError
from conformance.client.other_subjects import NoSubject, second_subject
from conformance.engine.catalogue import BOLA
from conformance.engine.checks.active import ActiveContext, Observation
from conformance.engine.openapi.datetimes import SchemaWalker
from conformance.engine.openapi.operations import OperationInfo
from conformance.engine.openapi.spec_requests import (
    EXAMPLE,
    LinkSource,
    SpecRequest,
    example_request,
    linked_request,
    operation_object,
    with_link_body,
)
from conformance.httplimits import Exchange
from conformance.results import Outcome

# Reads first, deletes last: the second subject's attempts must not remove what later ones need.
METHOD_ORDER = {"GET": 0, "HEAD": 0, "PUT": 1, "PATCH": 1, "POST": 2, "DELETE": 3}


@dataclass(slots=True)
class Creation:
    operation: OperationInfo
    links: list[tuple[OperationInfo, dict[str, Any]]]
    # Links with a requestBody from this creation's 201 into another creation: operationId ->
    # the link. The other creation can then be made from this one's answer.
    feeds: dict[str, dict[str, Any]] = field(default_factory=dict)


def owned_operations(ctx: ActiveContext) -> frozenset[str] | None:
    """operationIds the profile calls owner-scoped; None: the profile does not say."""
    profile = ctx.profile
    if profile is None:
        return None
    named = {
        operation
        for requirement in profile.requirements
        if BOLA in requirement.checks
        for operation in requirement.operations
    }
    return frozenset(named) or None


def _target(
    link: dict[str, Any], by_id: dict[str, OperationInfo], ctx: ActiveContext
) -> OperationInfo | None:
    if isinstance(link.get("operationId"), str):
        return by_id.get(link["operationId"])
    reference = link.get("operationRef")
    if isinstance(reference, str) and reference.startswith("#/paths/"):
        path, _, method = reference.removeprefix("#/paths/").rpartition("/")
        path = path.replace("~1", "/").replace("~0", "~")
        return next(
            (op for op in ctx.operations if op.path == path and op.method == method.upper()),
            None,
        )
    return None


def creations(ctx: ActiveContext, owned: frozenset[str] | None) -> list[Creation]:
    """Operations answering 201 with links to owner-scoped resources; a creation that another
    one's link feeds comes after it."""
    walker = SchemaWalker(ctx.document)
    by_id = {op.operation_id: op for op in ctx.operations if op.operation_id}
    found = []
    for operation in ctx.operations:
        if "201" not in operation.declared_statuses:
            continue
        responses = walker.resolve(operation_object(ctx.document, operation).get("responses"))
        created = walker.resolve((responses or {}).get("201") or {})
        creation = Creation(operation, [])
        for link in (created.get("links") or {}).values():
            link = walker.resolve(link)
            target = _target(link, by_id, ctx) if isinstance(link, dict) else None
            if target is None:
                continue
            if not any(p.get("in") == "path" for p in target.parameters):
                if "requestBody" in link and target.operation_id and target is not operation:
                    creation.feeds.setdefault(target.operation_id, link)
                continue  # only links to one resource; collections are checked apart
            if owned is None or target.operation_id in owned:
                creation.links.append((target, link))
        creation.links.sort(key=lambda item: METHOD_ORDER.get(item[0].method, 2))
        found.append(creation)
    fed = {target for creation in found for target in creation.feeds}
    found.sort(key=lambda creation: creation.operation.operation_id in fed)
    return [creation for creation in found if creation.links]


class CreationRequests:
    """The requests that create resources: the spec's example, or a composed body fed by the
    link of a creation made before (see the module docstring)."""

    def __init__(self, ctx: ActiveContext, rng: random.Random) -> None:
        self.ctx = ctx
        self.rng = rng
        # operationId -> (link, answer) to make that operation's request from: Creation.feeds
        self.fed: dict[str, tuple[dict[str, Any], LinkSource]] = {}

    def request(self, operation: OperationInfo) -> tuple[SpecRequest, str]:
        """The request that creates a resource, and how its body was made (for messages)."""
        request = example_request(self.ctx.document, operation, self.rng)
        made_from = request.describe_body()
        fed = self.fed.get(operation.operation_id or "")
        if request.body_source != EXAMPLE and fed is not None:
            link, source = fed
            if with_link_body(request, link, source) is not None:
                made_from += (
                    f", with the values of the link from {source.request.operation.label} merged in"
                )
        return request, made_from

    def created(self, creation: Creation, source: LinkSource) -> None:
        """``creation`` answered ``source``: the creations its links feed can use it."""
        for operation_id, link in creation.feeds.items():
            self.fed.setdefault(operation_id, (link, source))


class _Bola:
    def __init__(self, ctx: ActiveContext, owned: frozenset[str] | None) -> None:
        self.ctx = ctx
        self.owned = owned
        self.rng = random.Random(f"{ctx.seed}:{BOLA}")
        self.second_name = SECONDARY
        self.second: dict[str, str] = {}
        self.created_ids: set[str] = set()
        self.requests = CreationRequests(ctx, self.rng)

    def send(self, request: SpecRequest, credentials: dict[str, str]) -> Exchange:
        return self.ctx.http.send(
            request.method,
            self.ctx.url(request.target()),
            headers={**request.headers, **credentials},
            body=request.body,
        )

    def observation(
        self, operation: OperationInfo, outcome: Outcome, title: str = "", message: str = ""
    ) -> Observation:
        if outcome is Outcome.ERROR:
            # A requirement's errors lose their operation; the message keeps it.
            message = f"{operation.label}: {message}"
        return Observation(
            check=BOLA, outcome=outcome, title=title, message=message, operation=operation
        )

    def errors(
        self, operations: list[OperationInfo], title: str, message: str
    ) -> Iterator[Observation]:
        for operation in operations:
            yield self.observation(operation, Outcome.ERROR, title, message)

    def create(self, creation: Creation) -> Iterator[Observation]:
        targets = [target for target, _ in creation.links]
        request, made_from = self.requests.request(creation.operation)
        exchange = self.send(request, self.ctx.credentials(PRIMARY))
        response = exchange.response
        if response is None or not 200 <= response.status < 300:
            answer = exchange.error if response is None else f"answered {response.status}"
            yield from self.errors(
                targets,
                "Could not create a resource to test with",
                f"{request.method} {request.target()} ({made_from}) as the primary subject "
                f"{answer}; without a resource of the primary's, the second subject's access "
                "to it cannot be tested.",
            )
            return
        source = LinkSource(request, response.status, response.headers, response.body)
        self.requests.created(creation, source)
        for target, link in creation.links:
            if self.ctx.stopped:
                return
            yield from self.follow(target, link, source)

    def follow(
        self, target: OperationInfo, link: dict[str, Any], source: LinkSource
    ) -> Iterator[Observation]:
        request = linked_request(self.ctx.document, target, link, source, self.rng)
        if request is None:
            yield self.observation(
                target,
                Outcome.ERROR,
                "Link cannot be followed",
                f"the link from {source.request.operation.label} to {target.label} names a path "
                "parameter the created resource does not provide.",
            )
            return
        self.created_ids.update(request.path_values.values())
        if target.method in ("GET", "HEAD"):
            control = self.send(request, self.ctx.credentials(PRIMARY))
            if control.response is None or not 200 <= control.response.status < 300:
                answer = control.error if control.response is None else control.response.status
                yield self.observation(
                    target,
                    Outcome.ERROR,
                    "The owner cannot read its own resource",
                    f"{request.method} {request.target()} as the primary subject, who created "
                    f"it, answered {answer}; a refusal to the second subject would prove nothing.",
                )
                return
        yield self.judge(request, self.send(request, self.second))

    def judge(self, request: SpecRequest, exchange: Exchange) -> Observation:
        observation = self.observation(request.operation, Outcome.PASSED)
        observation.exchange, observation.subject = exchange, SECONDARY
        response = exchange.response
        sent = f"{request.method} {request.target()} as the {self.second_name} subject"
        if response is None:
            observation.outcome, observation.title = Outcome.ERROR, "No answer"
            observation.message = f"{request.operation.label}: {sent}: {exchange.error}"
        elif response.status == 401:
            observation.outcome = Outcome.ERROR
            observation.title = "The second subject is not authenticated"
            observation.message = (
                f"{request.operation.label}: {sent} answered 401: its credentials are not "
                "accepted at all, so this shows nothing about object-level authorization."
            )
        elif 200 <= response.status < 300:
            observation.outcome = Outcome.FAILED
            observation.title = "Another subject reached the primary's resource"
            observation.message = (
                f"{sent} answered {response.status}: the resource was created by the primary "
                "subject, and another subject must not read, change or delete it (403 or 404)."
            )
        elif response.status >= 500:
            observation.outcome, observation.title = Outcome.ERROR, "Server error"
            observation.message = (
                f"{request.operation.label}: {sent} answered {response.status}; cannot judge."
            )
        return observation

    def collections(self) -> Iterator[Observation]:
        for operation in self.ctx.operations:
            if (
                self.owned is None
                or operation.operation_id not in self.owned
                or operation.method != "GET"
                or any(p.get("in") == "path" for p in operation.parameters)
            ):
                continue
            request = example_request(self.ctx.document, operation, self.rng)
            exchange = self.send(request, self.second)
            observation = self.judge(request, exchange)
            response = exchange.response
            if observation.outcome is Outcome.FAILED and response is not None:
                body = response.body.decode("utf-8", "replace")
                shown = sorted(item for item in self.created_ids if item and item in body)
                if shown:
                    observation.title = "Another subject's listing shows the primary's resource"
                    observation.message = (
                        f"{request.method} {request.target()} as the {self.second_name} subject "
                        f"lists {', '.join(shown)}, created by the primary subject."
                    )
                else:
                    observation.outcome, observation.title, observation.message = (
                        Outcome.PASSED,
                        "",
                        "",
                    )
            yield observation


def unreached(
    ctx: ActiveContext, owned: frozenset[str] | None, found: list[Creation]
) -> list[OperationInfo]:
    """Owner-scoped operations on one resource that no creation's link leads to: the check
    cannot reach them, and says so rather than leave them out unnoticed."""
    if owned is None:
        return []
    linked = {target.operation_id for creation in found for target, _ in creation.links}
    return [
        operation
        for operation in ctx.operations
        if operation.operation_id in owned
        and operation.operation_id not in linked
        and any(p.get("in") == "path" for p in operation.parameters)
    ]


def observe(ctx: ActiveContext) -> Iterator[Observation]:
    owned = owned_operations(ctx)
    found = creations(ctx, owned)
    checker = _Bola(ctx, owned)
    yield from checker.errors(
        unreached(ctx, owned, found),
        "Not exercised",
        "no operation of the spec answers 201 with an OpenAPI link to it, so the harness "
        "cannot reach a resource of the primary subject's through it.",
    )
    if not found:
        return
    try:
        checker.second_name, checker.second = second_subject(ctx.subjects)
        ctx.credentials(PRIMARY)
    except (NoSubject, CredentialError) as exc:
        targets = [target for creation in found for target, _ in creation.links]
        yield from checker.errors(targets, "No second subject", str(exc))
        return
    for creation in found:
        if ctx.stopped:
            return
        yield from checker.create(creation)
    yield from checker.collections()
