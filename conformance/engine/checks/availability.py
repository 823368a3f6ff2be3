"""A created resource can be read back at once: a deterministic probe next to Schemathesis.

Schemathesis's ``ensure_resource_availability`` judges this inside its stateful phase, when
its random walk happens to follow a link from a creation to a read; with a small budget it
may never do so. This probe always does: for every operation answering 201 whose 201
response declares links to reading operations (GET with path parameters), it creates a
resource with the spec's example as the primary subject (or, without one, the body sec:bola
would make: composed from the properties' examples, fed by an earlier creation's link) and
follows each of those links at once. A 404 (or 410) there is a lost write. The probe reports
under the same check id, so a profile's requirement sees both.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from conformance.client.credentials import PRIMARY, CredentialError
from conformance.engine.checks.active import ActiveContext, Observation, active_check
from conformance.engine.checks.bola import CreationRequests, creations
from conformance.engine.openapi.spec_requests import LinkSource, linked_request
from conformance.results import Outcome

ENSURE_RESOURCE_AVAILABILITY = "api:ensure_resource_availability"
GONE = (404, 410)


@active_check(ENSURE_RESOURCE_AVAILABILITY)
def read_after_create(ctx: ActiveContext) -> Iterator[Observation]:
    rng = random.Random(f"{ctx.seed}:{ENSURE_RESOURCE_AVAILABILITY}")
    try:
        credentials = ctx.credentials(PRIMARY)
    except CredentialError:
        return  # the run stops before testing when its credentials fail; nothing to add here
    requests = CreationRequests(ctx, rng)
    for creation in creations(ctx, None):
        reads = [(target, link) for target, link in creation.links if target.method == "GET"]
        if not reads or ctx.stopped:
            continue
        request, _ = requests.request(creation.operation)
        made = ctx.http.send(
            request.method,
            ctx.url(request.target()),
            headers={**request.headers, **credentials},
            body=request.body,
        )
        created = made.response
        if created is None or created.status != 201:
            continue  # nothing was created from the example; Schemathesis's cases still judge
        source = LinkSource(request, created.status, created.headers, created.body)
        requests.created(creation, source)
        for target, link in reads:
            follow = linked_request(ctx.document, target, link, source, rng)
            if follow is None:
                continue
            exchange = ctx.http.send(
                "GET", ctx.url(follow.target()), headers={**follow.headers, **credentials}
            )
            observation = Observation(
                check=ENSURE_RESOURCE_AVAILABILITY,
                outcome=Outcome.PASSED,
                operation=target,
                exchange=exchange,
                subject=PRIMARY,
            )
            response = exchange.response
            if response is None:
                observation.outcome, observation.title = Outcome.ERROR, "No answer"
                observation.message = f"GET {follow.target()}: {exchange.error}"
            elif response.status in GONE:
                observation.outcome = Outcome.FAILED
                observation.title = "Resource not available right after its creation"
                observation.message = (
                    f"{request.method} {request.target()} answered 201, but GET "
                    f"{follow.target()}, the link its 201 response declares, answered "
                    f"{response.status} at once for the same subject."
                )
            yield observation
