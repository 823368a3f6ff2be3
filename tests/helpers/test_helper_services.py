"""support.services (serve_asgi, serve_threaded) and support.ports.free_port: what the tests
that serve an app rely on (it answers once yielded, it is gone afterwards, a failed start is an
error at once)."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from support.ports import free_port
from support.services import serve_asgi, serve_threaded


async def hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse("hello")


def test_a_free_port_can_be_bound() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


@pytest.mark.slow
def test_the_app_answers_while_served_and_not_after() -> None:
    with serve_asgi(Starlette(routes=[Route("/", hello)])) as origin:
        assert origin.startswith("http://127.0.0.1:")
        assert httpx.get(f"{origin}/", timeout=10).text == "hello"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{origin}/", timeout=5)


@pytest.mark.slow
# uvicorn ends its thread with SystemExit on a failed start-up: expected here
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_an_app_that_fails_to_start_is_an_error_at_once() -> None:
    @asynccontextmanager
    async def broken(app: Starlette) -> AsyncIterator[None]:
        raise RuntimeError("no database")
        yield

    started = time.monotonic()
    with (
        pytest.raises(RuntimeError, match="did not start"),
        serve_asgi(Starlette(lifespan=broken), timeout=60),
    ):
        pass
    assert time.monotonic() - started < 30  # not the whole timeout: the thread ended


def test_a_threaded_server_answers_until_its_context_ends() -> None:
    class Hello(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "5")
            self.end_headers()
            self.wfile.write(b"hello")

        def log_message(self, format: str, *args: object) -> None:
            pass

    released = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    with serve_threaded(server, before_shutdown=lambda: released.append(True)) as origin:
        assert httpx.get(f"{origin}/", timeout=10).text == "hello"
        assert released == []
    assert released == [True]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{origin}/", timeout=5)
