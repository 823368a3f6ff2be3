"""openapi:exchange-valid over the answers the engine's own checks get (running.answers):
each answer to a request for a declared operation is judged; any other is left alone."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from support.services import serve_threaded

from conformance.engine.catalogue import EXCHANGE_VALID
from conformance.engine.checks.exchanges import ExchangeValidator
from conformance.engine.openapi.operations import OperationInfo, list_operations
from conformance.engine.running.answers import judged_answer, operation_at
from conformance.httplimits import Exchange, HttpClient, ReceivedResponse, SentRequest
from conformance.results import Outcome
from conformance.spec import LoadedSpec

BASE = "http://127.0.0.1:9/tasks/v1"
HEADERS = {"content-type": "application/json", "api-version": "1.2.0"}
TASK = {"id": 1, "title": "Water the plants", "createdAt": "2024-01-01T12:00:00Z"}


def op(method: str, path: str) -> OperationInfo:
    return OperationInfo(method, path, None, (), ())


OPERATIONS = [op("GET", "/tasks/{taskId}"), op("GET", "/tasks/done"), op("POST", "/tasks")]


@pytest.mark.parametrize(
    ("method", "url", "expected"),
    [
        ("GET", f"{BASE}/tasks/7", "GET /tasks/{taskId}"),
        ("get", f"{BASE}/tasks/7?x=1", "GET /tasks/{taskId}"),
        ("GET", f"{BASE}/tasks/done", "GET /tasks/done"),  # the literal path first
        ("POST", f"{BASE}/tasks", "POST /tasks"),
        ("PUT", f"{BASE}/tasks/7", None),  # a method the spec does not declare there
        ("GET", f"{BASE}/tasks/7/", None),  # the trailing-slash probe
        ("GET", "http://127.0.0.1:9/other/v1/tasks/7", None),  # outside the base path
        ("GET", "http://127.0.0.1:10/tasks/v1/tasks/7", None),  # another host: the provider
    ],
)
def test_the_operation_a_request_is_for(method: str, url: str, expected: str | None) -> None:
    found = operation_at(OPERATIONS, BASE, method, url)
    assert (found.label if found else None) == expected


def exchange(status: int, body: object, url: str = f"{BASE}/tasks/1") -> Exchange:
    answer = ReceivedResponse(status, dict(HEADERS), json.dumps(body).encode())
    return Exchange(SentRequest("GET", url), answer, answered=True)


@pytest.fixture
def judge(tasks_spec: LoadedSpec) -> Iterator[object]:
    validator = ExchangeValidator(tasks_spec.bundled, BASE)
    operations = list_operations(tasks_spec.bundled)

    def judged(item: Exchange) -> object:
        return judged_answer(item, validator, operations, BASE)

    yield judged


def test_a_declared_answer_passes_and_an_undeclared_one_fails(judge) -> None:
    passed = judge(exchange(200, TASK))
    assert passed.check == EXCHANGE_VALID and passed.outcome is Outcome.PASSED
    assert passed.operation.label == "GET /tasks/{taskId}"
    failed = judge(exchange(200, {"id": 1, "title": "No createdAt"}))
    assert failed.outcome is Outcome.FAILED and "createdAt" in failed.message
    assert failed.message.startswith("The 200 answer to GET /tasks/{taskId}")
    assert failed.exchange is not None  # the evidence: request, answer, curl


def test_what_is_not_an_answer_to_a_declared_operation_is_not_judged(judge) -> None:
    assert judge(exchange(200, TASK, url=f"{BASE}/nowhere")) is None
    assert judge(Exchange(SentRequest("GET", f"{BASE}/tasks/1"), error="timed out")) is None
    cut = exchange(200, {"id": 1})
    assert cut.response is not None
    cut.response.truncated = True  # over the size cap: a cut-off body is not validated
    assert judge(cut) is None


class _Answer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


def test_a_listener_hears_every_exchange_of_the_client_while_it_listens() -> None:
    heard: list[tuple[str, int, str]] = []
    with (
        serve_threaded(ThreadingHTTPServer(("127.0.0.1", 0), _Answer)) as url,
        HttpClient(timeout=5, max_response_bytes=1000) as http,
    ):

        def listener(item: Exchange) -> None:
            assert item.response is not None
            heard.append((item.request.url, item.response.status, threading.current_thread().name))

        with http.listening(listener):
            sender = threading.Thread(target=http.send, args=("GET", url + "/a"), name="sender")
            sender.start()
            sender.join()
            http.send("GET", url + "/b")
        http.send("GET", url + "/c")  # no longer listened to
    assert heard == [(url + "/a", 200, "sender"), (url + "/b", 200, "MainThread")]


def test_a_declared_401_is_no_evidence_but_an_undeclared_one_fails(judge) -> None:
    """A probe without a token that gets a declared 401 proves nothing about the operation's
    answers (openapi:exchange-valid's precondition); a 401 the spec does not declare is still
    a finding."""
    problem = {"type": "about:blank", "title": "Unauthorized", "status": 401, "detail": "No token"}
    declared = exchange(401, problem)
    assert declared.response is not None
    declared.response.headers["content-type"] = "application/problem+json"
    assert judge(declared) is None
    declared.response.body = b'{"title": 401}'  # the same 401, not as declared
    broken = judge(declared)
    assert broken is not None and broken.outcome is Outcome.FAILED
    undeclared = judge(exchange(418, TASK))
    assert undeclared is not None and undeclared.outcome is Outcome.FAILED
