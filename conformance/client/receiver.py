"""A small real HTTP server the harness runs to receive an implementation's notifications.

``Receiver`` listens on a free port (loopback by default), records every request it gets (a
``Delivery``: when, which path, headers, body) and answers each with the status its policy
gives (204 unless told otherwise), e.g. 503 for the first attempt of every event, to see the
implementation retry. ``wait_for`` blocks until the recorded deliveries satisfy a condition
or a deadline passes. Each subscription gets its own path (``url("a")`` -> ``.../a``), so
one receiver tells subscriptions apart.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

_log = logging.getLogger(__name__)

MAX_BODY = 256 * 1024


@dataclass(slots=True)
class Delivery:
    path: str  # the part after the receiver's prefix ("a" for url("a"))
    method: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    received_at: float  # time.monotonic()
    answered: int = 0

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, ValueError):
            return None

    def event(self) -> dict[str, Any]:
        value = self.json()
        return value if isinstance(value, dict) else {}


Policy = Callable[[Delivery, list[Delivery]], int]  # (this delivery, earlier ones) -> status


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def complete_body(rfile: Readable, content_length: str | None, limit: int) -> bytes | None:
    """The body of a request, or None when the sender stopped before sending all of it.

    A sender killed mid-request (the durability check does that on purpose) may have sent its
    headers but not the body it declared. That is no request: the sender never got an answer
    and sends it again after its restart, so it is neither answered nor recorded. A body
    longer than ``limit`` is cut to ``limit`` (the rest stays unread: the connection closes).
    """
    try:
        declared = int(content_length or 0)
    except ValueError:
        return None
    wanted = min(max(declared, 0), limit)
    body = rfile.read(wanted) if wanted else b""
    return body if len(body) == wanted else None


def accept_all(delivery: Delivery, earlier: list[Delivery]) -> int:
    return 204


def fail_first_attempt(delivery: Delivery, earlier: list[Delivery]) -> int:
    """503 the first time an event id arrives, 204 for every later attempt."""
    event_id = delivery.event().get("id")
    seen = any(item.event().get("id") == event_id for item in earlier)
    return 204 if seen else 503


def fail_always(delivery: Delivery, earlier: list[Delivery]) -> int:
    return 503


class _QuietServer(ThreadingHTTPServer):
    """socketserver prints a traceback to stderr for every failed request. A sender that drops
    its connection is normal here (the durability check kills the implementation mid-delivery),
    and nothing else of the run's output may be buried under tracebacks: log it instead."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        _log.warning("notification receiver: request from %s failed: %r", client_address, error)


@dataclass(slots=True)
class Receiver:
    host: str = "127.0.0.1"
    policy: Policy = accept_all
    prefix: str = "/gdi-conformance/events"
    deliveries: list[Delivery] = field(default_factory=list)
    _condition: threading.Condition = field(default_factory=threading.Condition)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def __enter__(self) -> Receiver:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep stderr quiet
                return

            def _handle(self) -> None:
                body = complete_body(self.rfile, self.headers.get("Content-Length"), MAX_BODY)
                if body is None:
                    self.close_connection = True
                    return
                status = receiver._record(self.command, self.path, dict(self.headers), body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_PUT = do_GET = _handle

        self._server = _QuietServer((self.host, 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="gdi-conformance-receiver", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def origin(self) -> str:
        assert self._server is not None, "the receiver is not running"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, name: str) -> str:
        return f"{self.origin}{self.prefix}/{name}"

    def _record(self, method: str, path: str, headers: dict[str, str], body: bytes) -> int:
        name = path[len(self.prefix) + 1 :] if path.startswith(self.prefix + "/") else path
        delivery = Delivery(
            path=name,
            method=method,
            headers={key.lower(): value for key, value in headers.items()},
            body=body,
            received_at=time.monotonic(),
        )
        with self._condition:
            delivery.answered = self.policy(delivery, list(self.deliveries))
            self.deliveries.append(delivery)
            self._condition.notify_all()
        return delivery.answered

    def received(self, predicate: Callable[[Delivery], bool] | None = None) -> list[Delivery]:
        with self._condition:
            return [item for item in self.deliveries if predicate is None or predicate(item)]

    def wait_for(
        self,
        condition: Callable[[list[Delivery]], bool],
        timeout: float,
        stop: Callable[[], bool] | None = None,
    ) -> bool:
        """Wait until ``condition(deliveries)`` holds; False when ``timeout`` passes first."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while not condition(list(self.deliveries)):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (stop is not None and stop()):
                    return False
                self._condition.wait(min(remaining, 0.2))
            return True
