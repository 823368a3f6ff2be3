"""One HTTP stack: the same hostile answer is met by the same limits on both ways a request
leaves the harness, its own client (``httplimits.HttpClient``: probes, active and behaviour
checks, OAuth, login drivers, remote specs, interop, publish) and Schemathesis's transport as
a run sets it up (``fuzzing.transport``: a case through ``case.call``, and a bare request on
the run's session, as Schemathesis's capability probes send).

What each reader makes of a body past the cap differs by design (the harness's client keeps
the part it read, marked ``truncated``; Schemathesis's case ends with an error naming the same
limit); everything else is held equal: the message, the deadline, the depth refusal, no cookie
sent back, no redirect followed, and one redaction of what the answer shows.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
import yaml
from schemathesis.engine import context as engine_context
from support.checkout import REPOSITORY
from support.hostile import hostile_process, hostile_server

from conformance.engine.fuzzing.transport import (
    ResponseTooDeep,
    ResponseTooLarge,
    ResponseTooSlow,
    limit_responses,
    received_of,
    release,
)
from conformance.engine.verdict.evidence import received_evidence
from conformance.httplimits import HttpClient, late, too_deep, too_large
from conformance.results import Redactor

pytestmark = pytest.mark.slow

CAP = 64 * 1024
TIMEOUT = 1.0
SPEC = yaml.safe_load((REPOSITORY / "fixtures" / "hostile" / "openapi.yaml").read_text("utf-8"))
REFUSED = (ResponseTooLarge, ResponseTooSlow, ResponseTooDeep)


@dataclass(frozen=True, slots=True)
class Seen:
    """What a reader made of one answer: its status and body, or why it refused it."""

    status: int | None
    problem: str | None = None
    body: bytes = b""
    cut: bool = False


def by_harness(url: str) -> Seen:
    with HttpClient(timeout=TIMEOUT, max_response_bytes=CAP) as http:
        exchange = http.send("GET", url)
    if exchange.response is None:
        return Seen(None, exchange.error)
    answer = exchange.response
    return Seen(answer.status, None, answer.body, answer.truncated)


@contextmanager
def schemathesis_run(base_url: str) -> Iterator[tuple[Any, Any]]:
    """(schema, session) as a run sets them up: limits on the schema, the run's session."""
    config = schemathesis.Config.from_dict({"base-url": base_url, "request-timeout": TIMEOUT})
    schema = schemathesis.openapi.from_dict(json.loads(json.dumps(SPEC)), config=config)
    limit_responses(schema, CAP)
    session = engine_context.make_session(schema.config)
    try:
        yield schema, session
    finally:
        session.close()
        release(schema)


def _schemathesis_seen(send: Callable[[], Any]) -> Seen:
    try:
        response = send()
    except REFUSED as exc:
        return Seen(None, str(exc))
    status = getattr(response, "status_code", None)
    return Seen(status, None, response.content)


def by_case(base_url: str, item: int | None) -> Seen:
    """A Schemathesis case of GET /items (``item`` None) or GET /items/{item}."""
    with schemathesis_run(base_url) as (schema, session):
        if item is None:
            case = schema["/items"]["GET"].Case(query={})
        else:
            case = schema["/items/{itemId}"]["GET"].Case(path_parameters={"itemId": item})
        return _schemathesis_seen(lambda: case.call(session=session))


def by_session(url: str, base_url: str) -> Seen:
    """A bare request on the run's session, as Schemathesis's capability probes send."""
    with schemathesis_run(base_url) as (_schema, session):
        return _schemathesis_seen(lambda: session.get(url, timeout=TIMEOUT))


def test_a_body_past_the_cap_is_read_to_the_cap_on_both_ways() -> None:
    with hostile_server("huge_body") as base_url:
        for item, url in ((None, f"{base_url}/items"), (1, f"{base_url}/items/1")):
            harness = by_harness(url)
            assert (harness.status, harness.cut, len(harness.body)) == (200, True, CAP)
            for seen in (by_case(base_url, item), by_session(url, base_url)):
                assert seen == Seen(None, too_large(CAP)), url


def test_a_deep_body_is_refused_with_one_message_on_both_ways() -> None:
    with hostile_server("deep") as base_url:
        url = f"{base_url}/items/1"
        expected = Seen(None, too_deep(b"[" * 100, "application/json"))
        assert by_harness(url) == expected
        assert by_case(base_url, 1) == expected
        assert by_session(url, base_url) == expected


def test_a_trickled_answer_ends_at_one_deadline_with_one_message_on_both_ways() -> None:
    with hostile_server("trickle", "--api-only", "--byte-every", "0.2") as base_url:
        url = f"{base_url}/items/1"
        expected = Seen(None, late(TIMEOUT))
        assert by_harness(url) == expected
        assert by_case(base_url, 1) == expected
        assert by_session(url, base_url) == expected


def _cookies_sent(base_url: str) -> int:
    origin = base_url.removesuffix("/api/v1")
    seen = by_harness(f"{origin}/cookies-sent")
    return int(json.loads(seen.body)["requests"])


def test_a_cookie_the_target_sets_is_sent_back_on_neither_way() -> None:
    with hostile_server("cookies") as base_url:
        url = f"{base_url}/items/1"
        with HttpClient(timeout=TIMEOUT, max_response_bytes=CAP) as http:
            answers = [http.send("GET", url).response for _ in range(2)]
        assert all(answer is not None and answer.header("set-cookie") for answer in answers)
        with schemathesis_run(base_url) as (schema, session):
            case = schema["/items/{itemId}"]["GET"].Case(path_parameters={"itemId": 1})
            for _ in range(2):
                assert "set-cookie" in {name.lower() for name in case.call(session=session).headers}
                assert session.get(url, timeout=TIMEOUT).headers.get("set-cookie")
        assert _cookies_sent(base_url) == 0


@contextmanager
def _announcing() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    with hostile_process("conformant", "--announce") as (base_url, process):
        yield base_url, process


def _requests_before(process: subprocess.Popen[str], sentinel_url: str) -> list[str]:
    """The requests an announcing server received before ``sentinel_url`` (sent now)."""
    assert by_harness(sentinel_url).status == 404
    sentinel = sentinel_url.split("://", 1)[1].split("/", 1)[1]
    received = []
    assert process.stdout is not None
    for line in process.stdout:  # the server prints each request as it comes, in order
        if line.strip() == f"request GET /{sentinel}":
            return received
        received.append(line.strip())
    raise AssertionError("the server ended before the sentinel came")


def test_a_redirect_to_another_host_is_the_answer_on_both_ways() -> None:
    with _announcing() as (elsewhere, process):
        origin = elsewhere.removesuffix("/api/v1")
        with hostile_server("redirect", "--redirect-to", origin) as base_url:
            url = f"{base_url}/items/1"
            for seen in (by_harness(url), by_case(base_url, 1), by_session(url, base_url)):
                assert seen.status == 302
        assert _requests_before(process, f"{origin}/sentinel") == []


def test_a_redirect_on_the_same_origin_is_the_answer_on_both_ways() -> None:
    """Schemathesis itself follows one within the host; the run's sessions do not."""
    with hostile_server("redirect", "--redirect-to", "same-origin") as base_url:
        url = f"{base_url}/items/1"
        assert by_harness(url).status == 302
        assert by_case(base_url, 1).status == 302
        assert by_session(url, base_url).status == 302


def test_one_answer_is_shown_and_redacted_alike_on_both_ways() -> None:
    redactor = Redactor()
    with hostile_server("cookies") as base_url:
        url = f"{base_url}/items/1"
        with HttpClient(timeout=TIMEOUT, max_response_bytes=CAP) as http:
            own = http.send("GET", url).response
        with schemathesis_run(base_url) as (schema, session):
            case = schema["/items/{itemId}"]["GET"].Case(path_parameters={"itemId": 1})
            theirs = received_of(case.call(session=session))
    assert own is not None
    assert (theirs.status, theirs.headers, theirs.body) == (own.status, own.headers, own.body)
    shown = [received_evidence(answer, redactor) for answer in (own, theirs)]
    for evidence in shown:
        evidence.elapsed_ms = None
        assert "c2Vzc2lvbi1vZi10aGUtdGFyZ2V0" not in str(evidence.headers)
    assert shown[0] == shown[1]


def test_a_case_sent_on_a_session_of_its_own_still_gets_the_limits() -> None:
    """Where Schemathesis makes a session the limits were not put on (another version: see
    ``internals.wrap_session_factory``), each case still gets them through ``before_call``."""
    for server, expected in (
        ("huge_body", Seen(None, too_large(CAP))),
        ("deep", Seen(None, too_deep(b"[" * 100, "application/json"))),
    ):
        with hostile_server(server) as base_url, schemathesis_run(base_url) as (schema, _session):
            case = schema["/items/{itemId}"]["GET"].Case(path_parameters={"itemId": 1})
            assert _schemathesis_seen(case.call) == expected, server
    with (
        hostile_server("redirect", "--redirect-to", "same-origin") as base_url,
        schemathesis_run(base_url) as (schema, _session),
    ):
        case = schema["/items/{itemId}"]["GET"].Case(path_parameters={"itemId": 1})
        assert _schemathesis_seen(case.call).status == 302
