"""Security checks (sec:*): how the API treats credentials and other subjects' resources.

Every secured operation (a non-empty ``security`` without an empty ``{}`` alternative) is
requested with the request its spec calls valid (``spec_requests``), so that a rejection can
only be about the credentials:

- sec:missing-token: without credentials -> 401 with a ``WWW-Authenticate: Bearer`` challenge;
- sec:malformed-token: with bearer values that are no token at all -> 401 (400 as well when
  the header carries no bearer token: RFC 6750 section 3.1 invalid_request);
- sec:expired-token: with the run's token expired, re-signed with a key of the harness, or
  unsigned -> 401 (``forged_tokens``);
- sec:wrong-audience: with the run's token made out to another audience, and with a genuine
  token for another audience when one is at hand (``security_subjects``) -> 401;
- sec:token-in-query: with the run's valid token in the ``access_token`` query parameter
  instead of the header -> 400 or 401, the token never echoed;
- sec:bola: a resource the primary subject creates cannot be read, changed or deleted by a
  second subject (``bola``).

A 401 must carry a ``WWW-Authenticate`` challenge (RFC 7235 section 3.1, RFC 6750 section 3).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator

from conformance.client.credentials import PRIMARY, CredentialError
from conformance.client.jose import bearer_token
from conformance.client.other_subjects import other_audience_token
from conformance.engine.catalogue import (
    BOLA,
    EXPIRED_TOKEN,
    MALFORMED_TOKEN,
    MISSING_TOKEN,
    TOKEN_IN_QUERY,
    WRONG_AUDIENCE,
)
from conformance.engine.checks import bola
from conformance.engine.checks.active import ActiveContext, Observation, active_check
from conformance.engine.checks.forged_tokens import (
    MALFORMED,
    audience_tokens,
    expired_tokens,
)
from conformance.engine.openapi.operations import OperationInfo
from conformance.engine.openapi.spec_requests import SpecRequest, example_request, is_secured
from conformance.httplimits import Exchange
from conformance.results import Outcome

QUERY_TOKEN_PARAMETER = "access_token"


def secured_requests(ctx: ActiveContext, check: str) -> list[SpecRequest]:
    seed = ctx.seed
    requests = [
        example_request(ctx.document, operation, random.Random(f"{seed}:{check}:{operation.label}"))
        for operation in ctx.operations
        if is_secured(ctx.document, operation)
    ]
    return requests if _own_credentials_accepted(ctx, requests) else []


CONTROL_READS = 3  # secured reads tried with the run's own credentials


def _own_credentials_accepted(ctx: ActiveContext, requests: list[SpecRequest]) -> bool:
    """Whether the API accepts the run's own credentials on a secured read (the control).

    A rejection of a forged or missing token is evidence only where the genuine one is taken
    for what it is: an API that answers 401 to everything (a wrong token, a wrong audience
    configured) rejects everything and proves nothing. Without a secured read to try, the
    rejections are judged.
    """
    reads = [request for request in requests if request.method == "GET"][:CONTROL_READS]
    if not reads or PRIMARY not in ctx.subjects:
        return True
    try:
        credentials = ctx.credentials(PRIMARY)
    except CredentialError:
        return False
    for request in reads:
        response = send(ctx, request, credentials).response
        # A 403 knows who is asking (the token is genuine, the permission missing): only a
        # 401 says the credentials themselves were refused.
        if response is not None and response.status != 401:
            return True
    return False


def send(
    ctx: ActiveContext,
    request: SpecRequest,
    credentials: dict[str, str],
    extra_query: dict[str, str] | None = None,
) -> Exchange:
    headers = {**request.headers, **credentials}
    return ctx.http.send(
        request.method,
        ctx.url(request.target(extra_query)),
        headers=headers,
        body=request.body,
    )


def _observation(
    check: str, operation: OperationInfo, exchange: Exchange, subject: str | None
) -> Observation:
    return Observation(
        check=check,
        outcome=Outcome.PASSED,
        operation=operation,
        exchange=exchange,
        subject=subject,
    )


def judge_rejection(
    check: str,
    request: SpecRequest,
    exchange: Exchange,
    what: str,
    *,
    accepted_statuses: Iterable[int] = (401,),
    subject: str | None = None,
) -> Observation:
    """Passed when the answer is one of ``accepted_statuses`` (a 401 with its challenge)."""
    observation = _observation(check, request.operation, exchange, subject)
    response = exchange.response
    sent = f"{request.method} {request.target()} with {what}"
    wanted = " or ".join(str(status) for status in accepted_statuses)
    if response is None:
        observation.outcome = Outcome.ERROR
        observation.title = "No answer"
        observation.message = f"{sent}: {exchange.error}"
    elif response.status in accepted_statuses:
        challenge = response.header("www-authenticate") or ""
        if response.status == 401 and not challenge.strip().lower().startswith("bearer"):
            observation.outcome = Outcome.FAILED
            observation.title = "401 without a Bearer challenge"
            observation.message = (
                f"{sent} answered 401 with WWW-Authenticate {challenge or 'missing'!r}; a 401 "
                "must challenge the client with WWW-Authenticate: Bearer (RFC 6750 section 3)."
            )
    elif 200 <= response.status < 300:
        observation.outcome = Outcome.FAILED
        observation.title = f"Accepted {what}"
        observation.message = (
            f"{sent} answered {response.status}: the operation is secured in the spec, so it "
            f"must refuse this with {wanted}."
        )
    else:
        observation.outcome = Outcome.FAILED
        observation.title = f"Answered {response.status}, not {wanted}, to {what}"
        observation.message = f"{sent} answered {response.status}; expected {wanted}."
    return observation


def _primary_token(ctx: ActiveContext) -> str | None:
    return bearer_token(ctx.credentials(PRIMARY)) if PRIMARY in ctx.subjects else None


def _error(check: str, title: str, message: str) -> Observation:
    return Observation(check=check, outcome=Outcome.ERROR, title=title, message=message)


@active_check(MISSING_TOKEN)
def missing_token(ctx: ActiveContext) -> Iterator[Observation]:
    for request in secured_requests(ctx, MISSING_TOKEN):
        if ctx.stopped:
            return
        yield judge_rejection(MISSING_TOKEN, request, send(ctx, request, {}), "no credentials")


@active_check(MALFORMED_TOKEN)
def malformed_token(ctx: ActiveContext) -> Iterator[Observation]:
    for request in secured_requests(ctx, MALFORMED_TOKEN):
        for what, value in MALFORMED:
            if ctx.stopped:
                return
            exchange = send(ctx, request, {"Authorization": value})
            # A header carrying no bearer token at all is a malformed request: RFC 6750 3.1
            # lets it be answered 400 invalid_request as well as 401.
            statuses = (401,) if value.startswith("Bearer ") else (400, 401)
            yield judge_rejection(
                MALFORMED_TOKEN, request, exchange, what, accepted_statuses=statuses
            )


def _forged_variants(
    ctx: ActiveContext, check: str, variants: list[tuple[str, str]]
) -> Iterator[Observation]:
    for _, token in variants:
        ctx.subjects.redactor.add_secret(token)
    for request in secured_requests(ctx, check):
        for what, token in variants:
            if ctx.stopped:
                return
            exchange = send(ctx, request, {"Authorization": f"Bearer {token}"})
            yield judge_rejection(check, request, exchange, f"a token {what}")


@active_check(EXPIRED_TOKEN)
def expired_token(ctx: ActiveContext) -> Iterator[Observation]:
    try:
        token = _primary_token(ctx)
    except CredentialError as exc:
        yield _error(EXPIRED_TOKEN, "No token to derive from", str(exc))
        return
    variants = [(item.description, item.token) for item in expired_tokens(token)]
    yield from _forged_variants(ctx, EXPIRED_TOKEN, variants)


@active_check(WRONG_AUDIENCE)
def wrong_audience(ctx: ActiveContext) -> Iterator[Observation]:
    try:
        token = _primary_token(ctx)
        genuine = other_audience_token(ctx.subjects)
    except CredentialError as exc:
        yield _error(WRONG_AUDIENCE, "No token to derive from", str(exc))
        return
    variants = [(item.description, item.token) for item in audience_tokens(token)]
    if genuine is not None:
        variants.append(genuine)
    yield from _forged_variants(ctx, WRONG_AUDIENCE, variants)


@active_check(TOKEN_IN_QUERY)
def token_in_query(ctx: ActiveContext) -> Iterator[Observation]:
    try:
        token = _primary_token(ctx)
    except CredentialError as exc:
        yield _error(TOKEN_IN_QUERY, "No token to send", str(exc))
        return
    if token is None:
        yield _error(
            TOKEN_IN_QUERY,
            "No bearer token to send",
            "the run's primary subject has no bearer token, so there is none to put in the "
            "query string; give the run one (--header, --token-command or --client/--key)",
        )
        return
    for request in secured_requests(ctx, TOKEN_IN_QUERY):
        if ctx.stopped:
            return
        exchange = send(ctx, request, {}, {QUERY_TOKEN_PARAMETER: token})
        observation = judge_rejection(
            TOKEN_IN_QUERY,
            request,
            exchange,
            f"a valid token in the query parameter {QUERY_TOKEN_PARAMETER}",
            accepted_statuses=(400, 401),
            subject=PRIMARY,
        )
        response = exchange.response
        if response is not None and observation.outcome is Outcome.PASSED:
            echoed = token in response.body.decode("utf-8", "replace") or any(
                token in value for value in response.headers.values()
            )
            if echoed:
                observation.outcome = Outcome.FAILED
                observation.title = "Token from the query string echoed"
                observation.message = (
                    f"{request.method} {request.target()} with the token in the query string "
                    f"answered {response.status} and repeated the token in its answer."
                )
        yield observation


@active_check(BOLA)
def object_level_authorization(ctx: ActiveContext) -> Iterator[Observation]:
    yield from bola.observe(ctx)
