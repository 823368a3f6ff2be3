"""Created resources followed without links: readable at once, gone after a DELETE.

Schemathesis finds a lost write (``ensure_resource_availability``) or an ineffective delete
(``use_after_free``) only where its stateful phase follows an OpenAPI link from the creation,
and only when its random walk happens to take it. These checks need no link. For every
operation that answers 201, they create a resource with the request the spec calls valid (as
the primary subject), find where it lives (the Location header; else the id in the body,
matched to the path parameter of a read one level below the creation's path), and:

- api:read-after-create: read it at once; a 404 or 410 is a lost write;
- api:use_after_free: where the spec declares a DELETE on that path, delete it (2xx) and read
  it again; a 2xx is an ineffective delete (the requests of this check of our own, next to
  Schemathesis's judgement of its stateful sequences);
- api:read-after-update: where the spec declares a PUT or PATCH on that path, change every plain
  field the resource shows to another value the schema allows, and read it again; a field that
  the update's answer confirms (or, with no body, that was sent and is no identifier or
  timestamp) but the read still shows with its old value is a stale read. A field the read
  shows with a third value (the server normalised it) proves nothing either way.

A creation the API refuses (401, 403, a 4xx for the example) proves nothing; it is not judged.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from typing import Any

from conformance.client.credentials import PRIMARY, CredentialError
from conformance.engine.catalogue import READ_AFTER_CREATE, READ_AFTER_UPDATE, USE_AFTER_FREE
from conformance.engine.checks.active import ActiveContext, Observation, active_check
from conformance.engine.checks.creation import (
    UPDATES,
    Follower,
    Resource,
    creation_request,
    json_body,
    update_request,
)
from conformance.engine.openapi.operations import OperationInfo
from conformance.httplimits import Exchange
from conformance.results import Outcome

GONE = (404, 410)
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T")  # a date-time: a server may keep its own


def _creations(ctx: ActiveContext, check: str) -> Iterator[tuple[Resource, dict[str, str]]]:
    """Resources created for ``check`` (one per creating operation), with the credentials."""
    try:
        credentials = ctx.credentials(PRIMARY) if PRIMARY in ctx.subjects else {}
    except CredentialError:
        return  # the run stops before testing when its credentials fail
    rng = random.Random(f"{ctx.seed}:{check}")
    follower = Follower(ctx)
    for creation in ctx.operations:
        if ctx.stopped:
            return
        if creation.method != "POST" or "201" not in creation.declared_statuses:
            continue
        request = creation_request(ctx, creation, rng)
        created = ctx.http.send(
            request.method,
            ctx.url(request.target()),
            headers={**request.headers, **credentials},
            body=request.body,
        )
        if created.response is None or created.response.status != 201:
            continue  # nothing was created: nothing to follow
        resource = follower.locate(creation, created)
        if resource is not None:
            yield resource, credentials


def _read(ctx: ActiveContext, url: str, credentials: dict[str, str]) -> Exchange:
    return ctx.http.send("GET", url, headers=credentials)


@active_check(READ_AFTER_CREATE)
def read_after_create(ctx: ActiveContext) -> Iterator[Observation]:
    follower = Follower(ctx)
    for resource, credentials in _creations(ctx, READ_AFTER_CREATE):
        exchange = _read(ctx, resource.url, credentials)
        if follower.delete_of(resource) is not None:  # leave the target as it was found
            ctx.http.send("DELETE", resource.url, headers=credentials)
        response = exchange.response
        observation = Observation(
            check=READ_AFTER_CREATE,
            outcome=Outcome.PASSED,
            operation=resource.creation,
            exchange=exchange,
            subject=PRIMARY,
        )
        if response is None:
            observation.outcome, observation.title = Outcome.ERROR, "No answer"
            observation.message = f"GET {resource.url}: {exchange.error}"
        elif response.status in GONE:
            observation.outcome = Outcome.FAILED
            observation.title = "Created resource not found"
            observation.message = (
                f"{resource.creation.label} answered 201, but GET {resource.url}, where it says "
                f"the resource is, answered {response.status} at once for the same subject."
            )
        elif not 200 <= response.status < 300:
            continue  # refused for another reason: no evidence either way
        yield observation


@active_check(USE_AFTER_FREE)
def delete_then_read(ctx: ActiveContext) -> Iterator[Observation]:
    follower = Follower(ctx)
    for resource, credentials in _creations(ctx, USE_AFTER_FREE):
        delete = follower.delete_of(resource)
        if delete is None or ctx.stopped:
            continue
        deleted = ctx.http.send("DELETE", resource.url, headers=credentials)
        if deleted.response is None or not 200 <= deleted.response.status < 300:
            continue  # not deleted: nothing to judge
        exchange = _read(ctx, resource.url, credentials)
        response = exchange.response
        observation = Observation(
            check=USE_AFTER_FREE,
            outcome=Outcome.PASSED,
            operation=delete,
            exchange=exchange,
            subject=PRIMARY,
        )
        if response is None:
            observation.outcome, observation.title = Outcome.ERROR, "No answer"
            observation.message = f"GET {resource.url}: {exchange.error}"
        elif 200 <= response.status < 300:
            observation.outcome = Outcome.FAILED
            observation.title = "Deleted resource still readable"
            observation.message = (
                f"DELETE {resource.url} answered {deleted.response.status}, but GET "
                f"{resource.url} answered {response.status} afterwards: the delete had no "
                "effect."
            )
        elif response.status not in GONE:
            continue
        yield observation


def _updated_paths(ctx: ActiveContext) -> set[str]:
    reads = {op.path for op in ctx.operations if op.method == "GET"}
    return {op.path for op in ctx.operations if op.method in UPDATES and op.path in reads}


def _expected(
    changes: dict[str, Any], answer: Any, identifiers: set[str], timestamps: set[str]
) -> dict[str, Any]:
    """What the read must show after the update: the values its answer confirms; with no body,
    what was sent, less the fields a server commonly keeps for itself."""
    if isinstance(answer, dict):
        return {name: answer[name] for name in changes if name in answer}
    return {
        name: value
        for name, value in changes.items()
        if name not in identifiers and name not in timestamps
    }


def _judge_update(
    ctx: ActiveContext,
    resource: Resource,
    update: OperationInfo,
    current: dict[str, Any],
    credentials: dict[str, str],
    rng: random.Random,
) -> Observation | None:
    made = update_request(ctx, update, current, rng)
    if made is None:
        return None
    request, changes = made
    query = request.target().partition("?")[2]
    url = resource.url + ("?" + query if query else "")
    updated = ctx.http.send(
        update.method, url, headers={**request.headers, **credentials}, body=request.body
    )
    if updated.response is None or not 200 <= updated.response.status < 300:
        return None  # not updated: nothing to judge
    parameter = resource.read.path.rpartition("{")[2].rstrip("}")
    timestamps = {name for name, value in changes.items() if TIMESTAMP.match(str(value))}
    expected = _expected(changes, json_body(updated), {"id", "identifier", parameter}, timestamps)
    exchange = _read(ctx, resource.url, credentials)
    observation = Observation(
        check=READ_AFTER_UPDATE,
        outcome=Outcome.PASSED,
        operation=update,
        exchange=exchange,
        subject=PRIMARY,
    )
    response = exchange.response
    if response is None:
        observation.outcome, observation.title = Outcome.ERROR, "No answer"
        observation.message = f"GET {resource.url}: {exchange.error}"
        return observation
    read = json_body(exchange)
    if not 200 <= response.status < 300 or not isinstance(read, dict):
        return None
    stale = {
        name: value
        for name, value in expected.items()
        if value != current.get(name) and read.get(name) == current.get(name)
    }
    shown = [name for name, value in expected.items() if read.get(name) == value]
    if stale:
        fields = ", ".join(f"{name} {value!r}" for name, value in stale.items())
        before = ", ".join(f"{name} {current.get(name)!r}" for name in stale)
        observation.outcome = Outcome.FAILED
        observation.title = "Update not visible to a read"
        observation.message = (
            f"{update.method} {resource.url} answered {updated.response.status} and set "
            f"{fields}, but GET {resource.url} right after answered {response.status} with "
            f"{before}, the values from before the update: the change was not stored."
        )
    elif not shown:
        return None  # every field read back as a third value: no evidence either way
    return observation


@active_check(READ_AFTER_UPDATE)
def read_after_update(ctx: ActiveContext) -> Iterator[Observation]:
    if not _updated_paths(ctx):
        return  # nothing the spec lets us update and read: create nothing
    follower = Follower(ctx)
    rng = random.Random(f"{ctx.seed}:{READ_AFTER_UPDATE}:body")
    for resource, credentials in _creations(ctx, READ_AFTER_UPDATE):
        try:
            for update in follower.updates_of(resource):
                if ctx.stopped:
                    break
                before = _read(ctx, resource.url, credentials)
                current = json_body(before)
                if before.response is None or not 200 <= before.response.status < 300:
                    break  # not readable: read-after-create reports that
                if not isinstance(current, dict):
                    break
                observation = _judge_update(ctx, resource, update, current, credentials, rng)
                if observation is not None:
                    yield observation
        finally:
            if follower.delete_of(resource) is not None:  # leave the target as it was found
                ctx.http.send("DELETE", resource.url, headers=credentials)
