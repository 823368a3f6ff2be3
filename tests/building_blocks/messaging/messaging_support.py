"""Helpers for the messaging tests: the service under test, tokens, callback receivers."""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from support.issuer import FakeIssuer
from support.services import serve_threaded

from building_blocks.common.process import BlockProcess
from conformance.client.receiver import MAX_BODY, complete_body

AUDIENCE = "urn:nld:gdi:messaging"
ORG_A = "00000001001234567000"
ORG_B = "00000001823288444000"
BSN_A = "999993653"
BSN_B = "999990019"
KVK = "69599084"
ALL_SCOPES = "messaging:send messaging:read messaging:subscribe"

# Fast retries, so that tests of the backoff take seconds rather than minutes.
MAX_ATTEMPTS = 6
FAST_RETRIES = {
    "GDI_MESSAGING_RETRY_BASE": "0.2",
    "GDI_MESSAGING_RETRY_MAX": "2",
    "GDI_MESSAGING_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
}


@dataclass
class Messaging:
    """A running messaging block and the issuer of the tokens it accepts."""

    process: BlockProcess
    issuer: FakeIssuer
    client: httpx.Client

    @property
    def base_url(self) -> str:
        assert self.process.base_url is not None
        return self.process.base_url

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def org_token(self, oin: str = ORG_A, scope: str = ALL_SCOPES, **claims: Any) -> str:
        return self.issuer.token(scope=scope, sub=f"client-{oin}", oin=oin, **claims)

    def citizen_token(self, bsn: str = BSN_A, scope: str = "messaging:read") -> str:
        # sub is a pairwise pseudonym, never the BSN; the BSN travels in its own claim.
        return self.issuer.token(scope=scope, sub=uuid.uuid4().hex, bsn=bsn)

    def request(self, method: str, path: str, token: str | None = None, **kwargs: Any):
        headers = dict(kwargs.pop("headers", {}) or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.request(method, self.url(path), headers=headers, **kwargs)

    def send(
        self,
        recipient: tuple[str, str] = ("bsn", BSN_A),
        *,
        token: str | None = None,
        key: str | None = None,
        subject: str = "Uw aanslag staat klaar",
        body: str = "Log in om de aanslag te bekijken.",
    ) -> httpx.Response:
        return self.request(
            "POST",
            "/messages",
            token or self.org_token(),
            headers={"Idempotency-Key": key or str(uuid.uuid4())},
            json={
                "recipient": {"type": recipient[0], "identifier": recipient[1]},
                "subject": subject,
                "body": body,
            },
        )

    def subscribe(self, callback_url: str, token: str | None = None, **extra: Any) -> str:
        response = self.request(
            "POST",
            "/subscriptions",
            token or self.org_token(),
            json={"callbackUrl": callback_url, **extra},
        )
        assert response.status_code == 201, response.text
        subscription_id: str = response.json()["id"]
        return subscription_id


def start_messaging(data_dir: Path, issuer: FakeIssuer, log_path: Path) -> BlockProcess:
    process = BlockProcess(
        "messaging",
        data_dir=data_dir,
        identity_url=issuer.identity_url,
        log_path=log_path,
        env={**os.environ, **FAST_RETRIES},
    )
    process.start(60)
    return process


@contextmanager
def running_messaging(directory: Path, issuer: FakeIssuer) -> Iterator[Messaging]:
    """A messaging service of its own, with its data and log under ``directory``."""
    process = start_messaging(directory / "data", issuer, directory / "messaging.log")
    try:
        with httpx.Client(timeout=10, trust_env=False) as client:
            yield Messaging(process, issuer, client)
    finally:
        process.stop()


@contextmanager
def serving(
    server: ThreadingHTTPServer, before_shutdown: Callable[[], object] = lambda: None
) -> Iterator[str]:
    """Serve in a thread; yields the callback URL (``/events``) until the context ends."""
    with serve_threaded(server, before_shutdown) as origin:
        yield f"{origin}/events"


@dataclass
class Received:
    at: float
    headers: dict[str, str]
    body: bytes
    status: int  # what the receiver answered

    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    """A subscriber's endpoint on loopback. ``answer`` decides the status of each request
    (given the number of requests received before it); every request is recorded."""

    url: str
    answer: Callable[[int], int] = lambda _: 204
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [item.event() for item in self.received]

    def wait_for(self, predicate: Callable[[list[Received]], bool], timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate(list(self.received)):
                    return True
            time.sleep(0.05)
        return False


@contextmanager
def receiver(answer: Callable[[int], int] = lambda _: 204, *, port: int = 0) -> Iterator[Receiver]:
    state = Receiver(url="", answer=answer)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = complete_body(self.rfile, self.headers.get("Content-Length"), MAX_BODY)
            if body is None:  # the sender died mid-request: no request, it sends it again
                self.close_connection = True
                return
            with state.lock:
                status = state.answer(len(state.received))
                state.received.append(Received(time.monotonic(), dict(self.headers), body, status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serving(ThreadingHTTPServer(("127.0.0.1", port), Handler)) as state.url:
        yield state


@dataclass
class Hanging:
    """A subscriber's endpoint that answers 503 at once until ``hang`` is set, and from then on
    never answers (until the context ends), as a receiver whose process is stuck."""

    url: str
    hang: threading.Event
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self) -> int:
        with self.lock:
            return self.requests


@contextmanager
def hanging_receiver(*, hang: bool = True) -> Iterator[Hanging]:
    release = threading.Event()
    state = Hanging(url="", hang=threading.Event())
    if hang:
        state.hang.set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if complete_body(self.rfile, self.headers.get("Content-Length"), MAX_BODY) is None:
                self.close_connection = True
                return
            with state.lock:
                state.requests += 1
            if state.hang.is_set():
                release.wait(60)
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # the sender gave up on a hung request long ago; its socket is gone

    # Hung handlers are released before the server shuts down.
    with serving(Server(("127.0.0.1", 0), Handler), before_shutdown=release.set) as state.url:
        yield state


def fresh_oin() -> str:
    """An organisation no other test uses, so that its subscriptions and events are its own."""
    return "000000019" + f"{secrets.randbelow(10**8):08d}" + "000"


PROBLEM = "application/problem+json"


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    assert response.headers["API-Version"] == "1.0.0"
    return body
