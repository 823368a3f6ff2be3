"""The NL GOV API Design Rules that hold for every response, as one pure ASGI middleware.

It sits outside the router, so it also covers responses the router never sees: paths outside
the base path, trailing slashes, oversized bodies and crashes. Kept allocation-light because the
services are fuzzed at hundreds of requests per second.
"""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

from building_blocks.common.problems import PROBLEM_JSON, problem_body
from building_blocks.common.redact import block_logger, redact

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# ADR /core/transport/security-headers, plus Referrer-Policy and a CSP that also forbids
# loading anything (the APIs never serve HTML).
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"cache-control", b"no-store"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
    (b"referrer-policy", b"no-referrer"),
)

DEFAULT_MAX_BODY_BYTES = 1024 * 1024

_logger = block_logger("building_blocks.common")


class BodyTooLarge(HTTPException):
    """Raised while the body streams in; an HTTPException so FastAPI passes it through as is."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes.")


def log_unhandled(exc: BaseException, scope: Scope) -> None:
    """Log a crash server-side only, secrets redacted; mark it so it is logged once."""
    if getattr(exc, "_gdi_logged", False):
        return
    text = "".join(traceback.format_exception(exc))
    _logger.error(
        "unhandled error on %s %s\n%s", scope.get("method"), redact(scope.get("path", "")), text
    )
    with contextlib.suppress(AttributeError):  # exceptions with __slots__ stay unmarked
        exc._gdi_logged = True  # type: ignore[attr-defined]


class AdrMiddleware:
    def __init__(
        self, app: ASGIApp, *, api_version: str, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self._headers = ((b"api-version", api_version.encode("latin-1")), *SECURITY_HEADERS)
        self._names = frozenset(name for name, _ in self._headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        own_headers = self._headers
        own_names = self._names

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [h for h in message.get("headers", ()) if h[0].lower() not in own_names]
                headers.extend(own_headers)
                message["headers"] = headers
            await send(message)

        # ADR /core/no-trailing-slash: such a path is a different, non-existent resource.
        if scope["path"].endswith("/"):
            await self._problem(send_with_headers, 404, "No resource exists at this path.")
            return
        limited_receive = self._limit_body(scope, receive)
        if limited_receive is None:
            await self._problem(
                send_with_headers,
                413,
                f"The request body is larger than {self.max_body_bytes} bytes.",
            )
            return
        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge as exc:
            if not started:
                await self._problem(send_with_headers, 413, str(exc.detail))
        except Exception as exc:
            log_unhandled(exc, scope)
            if not started:
                await self._problem(
                    send_with_headers, 500, "The server could not complete the request."
                )
            # When the response had started there is nothing left to say; the server closes the
            # connection. Re-raising would hand the unredacted traceback to the server's logger.

    def _limit_body(self, scope: Scope, receive: Receive) -> Receive | None:
        """``None`` when the declared length is already too large, else a receive that counts."""
        limit = self.max_body_bytes
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    return receive  # the server rejects a malformed length itself
                return None if declared > limit else receive
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        return counting_receive

    @staticmethod
    async def _problem(send: Send, status: int, detail: str) -> None:
        body = problem_body(status, detail=detail)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
