"""The NL GOV API Design Rules every response of the register follows, as one ASGI middleware
outside the router (so it also covers paths no route serves, oversized bodies and crashes):
API-Version and the security headers on every response, a trailing slash is 404 (never a
redirect), request bodies are capped (413), a crash is a bare 500 problem."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PROBLEM_JSON = "application/problem+json"
# Pages set their own, wider policy (their stylesheet and badges); everything else loads nothing.
DEFAULT_CSP = b"default-src 'none'; frame-ancestors 'none'"
SECURITY_HEADERS = (
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)

_logger = logging.getLogger("conformance.register")


class BodyTooLarge(HTTPException):
    """Raised while the body streams in; an HTTPException, so the app answers it as a 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes; nothing was stored.")


def problem_body(status: int, title: str, detail: str, **extra: Any) -> bytes:
    document = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    document.update(extra)
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


class AdrMiddleware:
    def __init__(self, app: ASGIApp, *, api_version: str, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self._headers = ((b"api-version", api_version.encode("ascii")), *SECURITY_HEADERS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {name.lower() for name, _ in self._headers}
                headers = [h for h in message.get("headers", ()) if h[0].lower() not in names]
                if not any(h[0].lower() == b"content-security-policy" for h in headers):
                    headers.append((b"content-security-policy", DEFAULT_CSP))
                headers.extend(self._headers)
                message["headers"] = headers
            await send(message)

        if scope["path"] != "/" and scope["path"].endswith("/"):
            await _problem(send_with_headers, 404, "Not Found", "No resource exists at this path.")
            return
        limit = self.max_body_bytes
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                detail = f"The request body is larger than {limit} bytes; nothing was stored."
                await _problem(send_with_headers, 413, "Content Too Large", detail)
                return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, counting_receive, send_with_headers)
        except BodyTooLarge as exc:
            if not started:
                await _problem(send_with_headers, 413, "Content Too Large", str(exc.detail))
        except Exception:
            _logger.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if not started:
                detail = "The register could not complete the request."
                await _problem(send_with_headers, 500, "Internal Server Error", detail)


async def _problem(send: Send, status: int, title: str, detail: str) -> None:
    body = problem_body(status, title, detail)
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
