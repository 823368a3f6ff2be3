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
  Schemathesis's judgement of its stateful sequences).

A creation the API refuses (401, 403, a 4xx for the example) proves nothing; it is not judged.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from conformance.engine.active import ActiveContext, Observation, active_check
from conformance.engine.auth import PRIMARY, CredentialError
from conformance.engine.catalogue import READ_AFTER_CREATE, USE_AFTER_FREE
from conformance.engine.creation import Follower, Resource, creation_request
from conformance.engine.http import Exchange
from conformance.results import Outcome

GONE = (404, 410)


def _creations(ctx: ActiveContext, check: str) -> Iterator[tuple[Resource, dict[str, str]]]:
    """Resources created for ``check`` (one per creating operation), with the credentials."""
    try:
        credentials = ctx.credentials(PRIMARY) if PRIMARY in ctx.subjects else {}
    except CredentialError:
        return  # the run stops before testing when its credentials fail
    rng = random.Random(f"{ctx.seed if ctx.seed is not None else 0}:{check}")
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
