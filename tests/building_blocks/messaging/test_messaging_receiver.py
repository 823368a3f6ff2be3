"""The tests' callback receiver records whole requests only: a sender killed between its
headers and its body (as the durability test does on purpose) sent no request."""

from __future__ import annotations

import io
import socket
import time

import httpx
import pytest
from messaging_support import hanging_receiver, receiver

from conformance.client.receiver import complete_body


@pytest.mark.parametrize(
    ("declared", "sent", "limit", "expected"),
    [
        ("5", b"hello", 100, b"hello"),
        ("0", b"", 100, b""),  # an empty body that says it is empty is a (whole) request
        (None, b"", 100, b""),
        ("353", b"", 100, None),  # headers only: the sender died before its body
        ("10", b"hello", 100, None),
        ("10", b"0123456789", 4, b"0123"),  # cut to the limit, the rest left unread
        ("ten", b"0123456789", 100, None),
    ],
)
def test_complete_body(
    declared: str | None, sent: bytes, limit: int, expected: bytes | None
) -> None:
    assert complete_body(io.BytesIO(sent), declared, limit) == expected


def _port(url: str) -> int:
    return int(url.split(":")[2].split("/")[0])


def _headers_only(url: str, declared: int) -> None:
    """Send a callback's headers and close, as a sender killed before writing its body."""
    with socket.create_connection(("127.0.0.1", _port(url))) as sock:
        sock.sendall(
            b"POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/cloudevents+json\r\n"
            + f"Content-Length: {declared}\r\n\r\n".encode()
        )
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(1024) == b""  # closed without an answer


@pytest.mark.slow
def test_a_request_cut_off_after_its_headers_is_not_recorded() -> None:
    with receiver() as callback, httpx.Client(trust_env=False) as client:
        _headers_only(callback.url, 353)
        whole = client.post(callback.url, json={"id": "e-1"})
        empty = client.post(callback.url, content=b"")
        assert (whole.status_code, empty.status_code) == (204, 204)
        assert callback.wait_for(lambda received: len(received) == 2, timeout=5)
        assert [item.body for item in callback.received] == [b'{"id":"e-1"}', b""]


@pytest.mark.slow
def test_the_hanging_receiver_does_not_count_a_cut_off_request() -> None:
    with hanging_receiver(hang=False) as callback, httpx.Client(trust_env=False) as client:
        _headers_only(callback.url, 120)
        assert client.post(callback.url, json={"id": "e-1"}).status_code == 503
        assert callback.count() == 1


def test_the_receiver_answers_as_told_and_records_what_it_answered() -> None:
    with receiver(lambda before: 503 if before < 2 else 204) as callback:
        with httpx.Client(trust_env=False) as client:
            statuses = [client.post(callback.url, json={"n": n}).status_code for n in range(3)]
        assert statuses == [503, 503, 204]
        assert [item.status for item in callback.received] == statuses
        assert callback.events() == [{"n": 0}, {"n": 1}, {"n": 2}]
        assert callback.received[0].headers["Content-Type"] == "application/json"


def test_waiting_for_what_never_comes_ends_at_the_deadline() -> None:
    with receiver() as callback:
        assert not callback.wait_for(lambda received: len(received) > 0, timeout=0.2)
        assert callback.wait_for(lambda received: received == [], timeout=0.2)


def test_a_hung_request_is_released_when_the_receiver_closes() -> None:
    with hanging_receiver() as callback, httpx.Client(trust_env=False, timeout=0.5) as client:
        with pytest.raises(httpx.ReadTimeout):
            client.post(callback.url, json={"id": "e-1"})
        deadline = time.monotonic() + 10  # a loaded machine may read the body after the timeout
        while callback.count() == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert callback.count() == 1
    # leaving the context released the handler and shut the server down, within the test
