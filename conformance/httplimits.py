"""The HTTP client of everything the harness sends itself: reachability, probes, active checks,
behaviour checks, the OAuth client, login drivers, the download of remote specs, interop and
publishing to a register; and the limits Schemathesis's transport holds its answers to too
(``conformance.engine.fuzzing.transport`` calls ``bounded_chunks``, ``too_deep``, the messages
and ``NoCookies`` of this module, so both read an answer by one rule).

A leaf helper, so that the spec loader (which may not import the engine) reads with the same
limits as the engine.

It never follows a redirect (a redirect is an answer to judge, and following one to another
host would send credentials there), and it bounds every answer whatever the target does:

- size: at most ``max_response_bytes`` of a body is read;
- time: ``timeout`` is the time for the whole exchange, not per read, so an answer trickled a
  byte at a time ends too; a watchdog shuts the connection down at the deadline (a read that
  waits for the next byte cannot see the clock), and ``abort`` does so at once when the run
  stops;
- depth: a JSON body nested deeper than ``MAX_JSON_DEPTH`` is refused, as every parser and
  validator after it would recurse once per level;
- cookies: none are kept. A check gets exactly the credentials it sends; one that needs a
  session passes a jar of its own per subject (``cookies=``).

What the answer of an exchange past a limit is differs by reader, the limit does not: this
client keeps the first ``max_response_bytes`` of a larger body (``truncated``: a check can still
judge the status and headers), Schemathesis's transport ends the case with an error naming the
limit (it would validate the cut body against the schema: a false finding).

Every transport failure becomes an ``Exchange`` with an error instead of an exception: one
unreachable endpoint must not crash a run.
"""

from __future__ import annotations

import contextlib
import functools
import http.cookiejar
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

USER_AGENT = "gdi-conformance"
# The nesting .NET's System.Text.Json accepts by default; far beyond any real API's documents
# and far below the interpreter's recursion limit.
MAX_JSON_DEPTH = 64

_STRUCTURE = re.compile(rb'[\[\]{}"\\]')
_BACKSLASH, _QUOTE = ord("\\"), ord('"')
_OPENING, _CLOSING = b"[{", b"]}"


def json_depth(body: bytes, limit: int = MAX_JSON_DEPTH) -> int:
    """How deeply ``body`` nests, read as JSON (strings skipped), counted up to ``limit + 1``.

    A scan of the brackets alone: no parser, so it cannot recurse however deep the body is.
    """
    depth = deepest = 0
    in_string = False
    escaped_at = -1  # the position a backslash in a string escapes
    for match in _STRUCTURE.finditer(body):
        position = match.start()
        char = body[position]
        if position == escaped_at:
            continue
        if in_string:
            if char == _BACKSLASH:
                escaped_at = position + 1
            elif char == _QUOTE:
                in_string = False
        elif char == _QUOTE:
            in_string = True
        elif char in _OPENING:
            depth += 1
            deepest = max(deepest, depth)
            if deepest > limit:
                break
        elif char in _CLOSING:
            depth -= 1
    return deepest


def too_large(max_bytes: int) -> str:
    """Why a body was not read to its end."""
    return f"the response body is larger than the limit of {max_bytes} bytes"


def late(timeout: float, *, aborted: bool = False) -> str:
    """Why an exchange ended without its whole answer."""
    if aborted:
        return "no answer before the run stopped"
    return f"no complete answer within {timeout:g}s"


class TooLarge(Exception):
    """The body goes on past the limit (``bounded_chunks`` yielded what fits first)."""


class TooSlow(Exception):
    """The whole answer did not come before the exchange's deadline."""


def bounded_chunks(chunks: Iterable[bytes], max_bytes: int, deadline: float) -> Iterator[bytes]:
    """A body's ``chunks`` as they come, held to the limits of every answer the harness reads:
    ``TooSlow`` once ``deadline`` (``time.monotonic()``) has passed, ``TooLarge`` at the first
    byte past ``max_bytes`` (after yielding the part of that chunk that fits)."""
    size = 0
    for chunk in chunks:
        if time.monotonic() > deadline:
            raise TooSlow
        size += len(chunk)
        if size > max_bytes:
            yield chunk[: len(chunk) - (size - max_bytes)]
            raise TooLarge(too_large(max_bytes))
        yield chunk


def looks_like_json(body: bytes, media_type: str) -> bool:
    if media_type == "application/json" or media_type.endswith("+json"):
        return True
    return body.lstrip()[:1] in (b"[", b"{")


def too_deep(body: bytes, media_type: str) -> str | None:
    """Why ``body`` must not be parsed (nested deeper than ``MAX_JSON_DEPTH``), or None."""
    if looks_like_json(body, media_type) and json_depth(body) > MAX_JSON_DEPTH:
        return f"the response body nests deeper than {MAX_JSON_DEPTH} levels"
    return None


@dataclass(slots=True)
class SentRequest:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass(slots=True)
class ReceivedResponse:
    status: int
    headers: dict[str, str]  # names lower-case; repeated headers joined with ", "
    body: bytes
    truncated: bool = False
    elapsed_ms: float = 0.0

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def media_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()


@dataclass(slots=True)
class Exchange:
    request: SentRequest
    response: ReceivedResponse | None = None
    error: str | None = None  # why no response was received
    answered: bool = False  # a status line came, even if the answer was then refused


class NoCookies(http.cookiejar.CookieJar):
    """A jar that keeps nothing: a cookie the target sets is never sent back."""

    def set_cookie(self, cookie: http.cookiejar.Cookie) -> None:
        return None

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None  # not even parsed: a malformed Set-Cookie cannot break a request


class Watchdog:
    """Shuts connections down when the exchange using them passes its deadline, or at once
    when aborted: a blocked read then returns.

    A socket ``opened`` for a token is shut when that token's deadline passes; one opened
    without a token belongs to every exchange (a client that sends one at a time, reusing
    its connections) and is shut when any deadline passes.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._shared: list[socket.socket] = []
        self._own: dict[int, list[socket.socket]] = {}
        self._deadlines: dict[int, float] = {}
        self._expired: set[int] = set()
        self._aborted = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self._next = 0

    @property
    def aborted(self) -> bool:
        return self._aborted

    def opened(self, sock: socket.socket, token: int | None = None) -> None:
        with self._condition:
            if token is None:
                self._shared = [item for item in self._shared if item.fileno() != -1]
                self._shared.append(sock)
            elif token in self._deadlines:
                self._own.setdefault(token, []).append(sock)
            if self._aborted or token in self._expired:
                _shut([sock])

    def watch(self, seconds: float) -> int:
        with self._condition:
            self._next += 1
            self._deadlines[self._next] = time.monotonic() + seconds
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="gdi-conformance-http-deadline", daemon=True
                )
                self._thread.start()
            self._condition.notify()
            return self._next

    def done(self, token: int) -> bool:
        """Forget ``token``; True when its deadline passed before it was done."""
        with self._condition:
            self._deadlines.pop(token, None)
            self._own.pop(token, None)
            expired = token in self._expired
            self._expired.discard(token)
            return expired

    def abort(self) -> None:
        with self._condition:
            self._aborted = True
            _shut(self._shared)
            for sockets in self._own.values():
                _shut(sockets)
            self._condition.notify()

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify()

    def _loop(self) -> None:
        with self._condition:
            while not self._closed:
                now = time.monotonic()
                due = [token for token, deadline in self._deadlines.items() if deadline <= now]
                for token in due:
                    del self._deadlines[token]
                    self._expired.add(token)
                    _shut(self._own.pop(token, []))
                if due:
                    _shut(self._shared)
                wait = min(self._deadlines.values(), default=now + 3600) - now
                self._condition.wait(timeout=max(wait, 0.0))


def _shut(sockets: list[socket.socket]) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):  # closed already
            sock.shutdown(socket.SHUT_RDWR)


@functools.cache
def _ssl_context(verify: bool) -> ssl.SSLContext:
    """httpx's context for ``verify``, made once per process: loading the certificate store
    costs about a third of a second of CPU, and a run opens several clients."""
    return httpx.create_ssl_context(verify=verify)


class HttpClient:
    def __init__(self, *, timeout: float, max_response_bytes: int, verify: bool = True) -> None:
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self._watchdog = Watchdog()
        self._client = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            verify=_ssl_context(verify),
            headers={"User-Agent": USER_AGENT},
            cookies=NoCookies(),
            # A connection per exchange: the watchdog then knows which socket is whose, as
            # checks send from several threads at once (concurrency checks).
            limits=httpx.Limits(max_keepalive_connections=0),
        )
        self._listeners: list[Callable[[Exchange], None]] = []

    @contextlib.contextmanager
    def listening(self, listener: Callable[[Exchange], None]) -> Iterator[None]:
        """Within the block, ``listener`` gets every exchange this client completes, in the
        thread that sent it, before the sender does."""
        self._listeners.append(listener)
        try:
            yield
        finally:
            self._listeners.remove(listener)

    def close(self) -> None:
        self._watchdog.close()
        self._client.close()

    def abort(self) -> None:
        """Cut the exchange in progress and refuse every later one (the run is stopping)."""
        self._watchdog.abort()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _tracer(self, token: int) -> Callable[[str, dict[str, Any]], None]:
        """httpcore's trace hook for one exchange: hands its new connection to the watchdog."""

        def trace(event: str, info: dict[str, Any]) -> None:
            if event == "connection.connect_tcp.complete":
                sock = info["return_value"].get_extra_info("socket")
                if sock is not None:
                    self._watchdog.opened(sock, token)

        return trace

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        cookies: httpx.Cookies | None = None,
    ) -> Exchange:
        """One exchange; ``cookies``: the jar of the one subject whose session this request
        continues (sent, and updated from the answer), for the rare check that needs one."""
        sent = SentRequest(method=method.upper(), url=url, headers=dict(headers or {}), body=body)
        if self._watchdog.aborted:
            return Exchange(sent, error="not sent: the run is stopping")
        started = time.perf_counter()
        token = self._watchdog.watch(self.timeout)
        deadline = time.monotonic() + self.timeout
        try:
            request = self._client.build_request(
                sent.method,
                url,
                headers=sent.headers,
                content=body,
                extensions={"trace": self._tracer(token)},
            )
            if cookies is not None:
                cookies.set_cookie_header(request)
            answer = self._client.send(request, stream=True)
            try:
                content, truncated = self._read(answer, deadline)
            finally:
                answer.close()
            sent.headers = dict(answer.request.headers)
            received = ReceivedResponse(
                status=answer.status_code,
                headers={
                    name.lower(): ", ".join(answer.headers.get_list(name))
                    for name in answer.headers
                },
                body=content,
                truncated=truncated,
                elapsed_ms=(time.perf_counter() - started) * 1000,
            )
            if cookies is not None:
                _keep_cookies(cookies, answer)
        except (TooSlow, httpx.TimeoutException):
            return Exchange(sent, error=self._late())
        except (httpx.HTTPError, UnicodeError) as exc:
            if self._watchdog.done(token) or self._watchdog.aborted:
                return Exchange(sent, error=self._late())
            return Exchange(sent, error=f"{type(exc).__name__}: {exc}")
        finally:
            self._watchdog.done(token)
        problem = too_deep(received.body, received.media_type)
        if problem is not None:
            return Exchange(sent, error=problem, answered=True)
        exchange = Exchange(sent, received, answered=True)
        for listener in list(self._listeners):
            listener(exchange)
        return exchange

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Exchange:
        """``send`` with a query (``params``) and a form body (``form``) encoded for it."""
        sent_headers = dict(headers or {})
        if params:
            url += ("&" if "?" in url else "?") + urlencode(dict(params))
        body = None
        if form is not None:
            body = urlencode(dict(form)).encode("ascii")
            sent_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        return self.send(method, url, headers=sent_headers, body=body)

    def _late(self) -> str:
        return late(self.timeout, aborted=self._watchdog.aborted)

    def _read(self, answer: httpx.Response, deadline: float) -> tuple[bytes, bool]:
        parts: list[bytes] = []
        try:
            for chunk in bounded_chunks(answer.iter_bytes(), self.max_response_bytes, deadline):
                parts.append(chunk)
        except TooLarge:
            return b"".join(parts), True
        return b"".join(parts), False


def _keep_cookies(jar: httpx.Cookies, answer: httpx.Response) -> None:
    with contextlib.suppress(ValueError, UnicodeError):  # one that cannot be read is not kept
        jar.extract_cookies(answer)
