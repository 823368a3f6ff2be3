"""openapi:exchange-valid over every answer the engine's own checks get from the target.

The active checks send requests of their own: a behaviour check what a client of the spec
sends (a declaration, a message), a security check the same without a valid token. Each
answer to a request for a declared operation must be one the spec declares, as for every case
Schemathesis generates. Without this, a defect the active checks met first went unseen as a
conformance failure: they run first and change the target's data, so that Schemathesis's cases
(the spec's examples among them) may never get that answer again. Requests for methods or
paths the spec does not declare (the 405 and trailing-slash probes) have no declared answer,
and are not judged here.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from conformance.engine.catalogue import CATALOGUE, EXCHANGE_VALID
from conformance.engine.checks.active import Observation
from conformance.engine.checks.exchanges import ExchangeProblem, ExchangeValidator
from conformance.engine.openapi.operations import OperationInfo, path_pattern
from conformance.engine.verdict.facts import Facts
from conformance.httplimits import Exchange
from conformance.results import Outcome


def operation_at(
    operations: Iterable[OperationInfo], base_url: str, method: str, url: str
) -> OperationInfo | None:
    """The declared operation a request to ``url`` is for (a literal path before a template);
    None for a request elsewhere (another host, e.g. the identity provider) or undeclared."""
    base, target = urlsplit(base_url), urlsplit(url)
    if (base.scheme, base.netloc) != (target.scheme, target.netloc):
        return None
    prefix = base.path.rstrip("/")
    if not target.path.startswith(prefix + "/") and target.path != prefix:
        return None
    relative = target.path[len(prefix) :] or "/"
    matching = [
        operation
        for operation in operations
        if operation.method == method.upper() and path_pattern(operation.path).match(relative)
    ]
    return min(matching, key=lambda operation: operation.path.count("{"), default=None)


def _evidence(method: str, status: int) -> bool:
    """Whether an answer meets openapi:exchange-valid's precondition (see verdict.facts): a
    conforming answer counts as a pass only then; an answer the spec does not declare is a
    failure whatever it is."""
    check = CATALOGUE.get(EXCHANGE_VALID)
    assert check is not None
    facts = Facts(
        method=method.upper(),
        declared=True,  # operation_at found the method declared on that path
        status=status,
        negative=False,
        secured=False,
        created_then_read=False,
        deleted_then_read=False,
    )
    return check.precondition.met(facts)


def judged_answer(
    exchange: Exchange,
    validator: ExchangeValidator,
    operations: list[OperationInfo],
    base_url: str,
) -> Observation | None:
    """openapi:exchange-valid's verdict on the answer to a request for a declared operation;
    None for any other exchange."""
    answer, request = exchange.response, exchange.request
    if answer is None or answer.truncated:
        return None  # nothing, or a cut-off body: not judged
    operation = operation_at(operations, base_url, request.method, request.url)
    if operation is None:
        return None
    result = validator.validate(
        method=request.method,
        url=request.url,
        status=answer.status,
        headers=answer.headers,
        body=answer.body,
    )
    if result is True:
        return None
    if not isinstance(result, ExchangeProblem) and not _evidence(request.method, answer.status):
        return None  # declared, but no evidence (a 401 to a probe without a token)
    if isinstance(result, ExchangeProblem):
        return Observation(
            EXCHANGE_VALID,
            Outcome.FAILED,
            result.title,
            f"The {answer.status} answer to {operation.label}: {result.message}",
            operation=operation,
            exchange=exchange,
        )
    return Observation(EXCHANGE_VALID, Outcome.PASSED, operation=operation, exchange=exchange)
