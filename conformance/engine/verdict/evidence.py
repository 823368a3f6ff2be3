"""Turn exchanges into redacted evidence: request, response and a curl command to reproduce.

Everything passes through the run's ``Redactor`` before it enters the result model; the curl
command is built from the redacted request, so a reader substitutes their own credentials.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping

from conformance.httplimits import Exchange
from conformance.results import HttpRequest, HttpResponse, LoginStep, Redactor

BODY_EXCERPT_CHARS = 2048
MESSAGE_CHARS = 2000
# Headers every client adds by itself; they only make a reproduction command noisy.
NOISE_HEADERS = frozenset({"user-agent", "accept-encoding", "connection", "content-length", "host"})


def _excerpt(
    body: bytes | None, media_type: str | None, redactor: Redactor
) -> tuple[str | None, int, bool]:
    if not body:
        return None, 0, False
    text = redactor.body(body.decode("utf-8", "replace"), media_type)
    truncated = len(text) > BODY_EXCERPT_CHARS
    return (text[:BODY_EXCERPT_CHARS] if truncated else text), len(body), truncated


def _content_type(headers: Mapping[str, str]) -> str | None:
    return next((value for name, value in headers.items() if name.lower() == "content-type"), None)


def request_evidence(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    redactor: Redactor,
) -> HttpRequest:
    text, size, truncated = _excerpt(body, _content_type(headers), redactor)
    return HttpRequest(
        method=method.upper(),
        url=redactor.url(url),
        headers=redactor.headers(headers),
        body=text,
        body_bytes=size,
        body_truncated=truncated,
    )


def response_evidence(
    status: int,
    headers: Mapping[str, str],
    body: bytes | None,
    redactor: Redactor,
    elapsed_ms: float | None = None,
    *,
    cut_short: bool = False,
) -> HttpResponse:
    text, size, truncated = _excerpt(body, _content_type(headers), redactor)
    return HttpResponse(
        status=status,
        headers=redactor.headers(headers),
        body=text,
        body_bytes=size,
        body_truncated=truncated or cut_short,
        elapsed_ms=None if elapsed_ms is None else round(elapsed_ms, 3),
    )


def sent_evidence(exchange: Exchange, redactor: Redactor) -> HttpRequest:
    """The request of an exchange as evidence."""
    sent = exchange.request
    return request_evidence(sent.method, sent.url, sent.headers, sent.body, redactor)


def received_evidence(exchange: Exchange, redactor: Redactor) -> HttpResponse | None:
    """The answer of an exchange as evidence (cut short where the bounded client stopped
    reading); None when there was none."""
    received = exchange.response
    if received is None:
        return None
    return response_evidence(
        received.status,
        received.headers,
        received.body,
        redactor,
        received.elapsed_ms,
        cut_short=received.truncated,
    )


def login_steps(exchanges: tuple[Exchange, ...], redactor: Redactor) -> list[LoginStep]:
    """A login's requests and answers as evidence, redacted like every other exchange."""
    steps = []
    for exchange in exchanges:
        step = LoginStep(sent_evidence(exchange, redactor))
        step.response = received_evidence(exchange, redactor)
        if step.response is None:
            step.error = clip_message(exchange.error or "no answer", redactor)
        steps.append(step)
    return steps


def curl_command(request: HttpRequest) -> str:
    """A curl command for an already redacted request (a truncated body is marked)."""
    parts = ["curl", "-X", request.method]
    for name, value in request.headers.items():
        if name.lower() not in NOISE_HEADERS:
            parts += ["-H", f"{name}: {value}"]
    if request.body is not None:
        body = request.body
        if request.body_truncated:
            body += "...(truncated)"
        parts += ["--data-binary", body]
    parts.append(request.url)
    return " ".join(shlex.quote(part) for part in parts)


def clip_message(text: str, redactor: Redactor) -> str:
    text = redactor.text(text.strip())
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 3] + "..."
