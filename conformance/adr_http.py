"""The NL GOV API Design Rules every response of a service follows, as one pure ASGI middleware.

It sits outside the router, so it also covers responses the router never sees: paths no route
serves, trailing slashes, oversized bodies and crashes. Its own headers go on every response,
a trailing slash is a 404 (never a redirect), request bodies are capped (413) and a crash is a
bare 500 problem. The reference building blocks and the register both serve through it, each
with its own headers and words; a leaf, so that neither leans on the other. Kept
allocation-light because the blocks are fuzzed at hundreds of requests per second.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Header = tuple[bytes, bytes]
# (status, title, detail) -> an application/problem+json body
ProblemBody = Callable[[int, str, str], bytes]
CrashLog = Callable[[BaseException, Scope], None]

PROBLEM_JSON = "application/problem+json"


class BodyTooLarge(HTTPException):
    """Raised while the body streams in; an HTTPException, so the app passes it on as a 413."""

    def __init__(self, detail: str) -> None:
        super().__init__(413, detail)


class AdrMiddleware:
    """``headers`` replace the app's own on every response; ``default_headers`` are added where
    the app set none of that name. ``too_large`` may name ``{limit}``; ``slash_allowed`` are the
    paths that may end in a slash (a site's root)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        headers: tuple[Header, ...],
        max_body_bytes: int,
        problem: ProblemBody,
        log_crash: CrashLog,
        default_headers: tuple[Header, ...] = (),
        too_large: str = "The request body is larger than {limit} bytes.",
        crashed: str = "The server could not complete the request.",
        slash_allowed: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self._headers = headers
        self._names = frozenset(name for name, _ in headers)
        self._defaults = default_headers
        self._problem_body = problem
        self._log_crash = log_crash
        self._too_large = too_large.format(limit=max_body_bytes)
        self._crashed = crashed
        self._slash_allowed = slash_allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        own_headers, own_names, defaults = self._headers, self._names, self._defaults

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [h for h in message.get("headers", ()) if h[0].lower() not in own_names]
                if defaults:
                    present = {name.lower() for name, _ in headers}
                    headers.extend(h for h in defaults if h[0] not in present)
                headers.extend(own_headers)
                message["headers"] = headers
            await send(message)

        # ADR /core/no-trailing-slash: such a path is a different, non-existent resource.
        path = scope["path"]
        if path.endswith("/") and path not in self._slash_allowed:
            await self._problem(
                send_with_headers, 404, "Not Found", "No resource exists at this path."
            )
            return
        limited_receive = self._limit_body(scope, receive)
        if limited_receive is None:
            await self._problem(send_with_headers, 413, "Content Too Large", self._too_large)
            return
        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge as exc:
            if not started:
                await self._problem(send_with_headers, 413, "Content Too Large", str(exc.detail))
        except Exception as exc:
            self._log_crash(exc, scope)
            if not started:
                await self._problem(send_with_headers, 500, "Internal Server Error", self._crashed)
            # When the response had started there is nothing left to say; the server closes the
            # connection. Re-raising would hand the unredacted traceback to the server's logger.

    def _limit_body(self, scope: Scope, receive: Receive) -> Receive | None:
        """``None`` when the declared length is already too large; the receive as it is when a
        length within the limit is declared (the server holds the body to it); else one that
        counts."""
        limit = self.max_body_bytes
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit():
                return None if int(value) > limit else receive
        received = 0
        too_large = self._too_large

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(too_large)
            return message

        return counting_receive

    async def _problem(self, send: Send, status: int, title: str, detail: str) -> None:
        body = self._problem_body(status, title, detail)
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
