"""The parts of the behaviour checks that need no block: seeded exploration, findings, roles,
settings, the receiver, and the judgements on answers (each shown accepting and refusing)."""

from __future__ import annotations

import base64
import json
import socket
import struct
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import strategies as st

from conformance.client.credentials import StaticHeaders, Subjects
from conformance.client.identifiers import is_valid_bsn
from conformance.client.receiver import Delivery, Receiver, fail_first_attempt
from conformance.engine.behaviour.base import Disagreement, Session, carry_out
from conformance.engine.behaviour.explore import explore
from conformance.engine.behaviour.messaging_events import event_problems
from conformance.engine.behaviour.registries_access import bsns_in
from conformance.engine.behaviour.registries_fields import selection_problems
from conformance.engine.behaviour.registries_queries import matches_address, matches_name
from conformance.engine.behaviour.roles import Role, Roles, RoleUnavailable, citizen_bsn
from conformance.engine.behaviour.settings import BehaviourSettings, SettingError
from conformance.engine.checks.active import ACTIVE_CHECKS, ActiveContext
from conformance.httplimits import HttpClient
from conformance.results import Outcome

ROLE = Role("some-role", "gemeente-utrecht", ("registries:read",))


@pytest.fixture
def context() -> Iterator[ActiveContext]:
    with HttpClient(timeout=1.0, max_response_bytes=1024) as http:
        yield ActiveContext(
            base_url="http://127.0.0.1:9/nothing/v1",
            document={},
            api_version=None,
            operations=[],
            subjects=Subjects(),
            http=http,
            exchanges=None,
            seed=7,
        )


def session_of(context: ActiveContext) -> Session:
    return Session(context, "bb:test:check", BehaviourSettings(examples=5))


# ---------------------------------------------------------------------------- exploration


def test_the_seed_decides_every_drawn_value(context: ActiveContext) -> None:
    def drawn(seed: int) -> list[int]:
        context.seed = seed
        values: list[int] = []
        explore(session_of(context), st.integers(0, 10**9), values.append)
        return values

    assert drawn(7) == drawn(7)
    assert drawn(7) != drawn(8)


def test_a_disagreement_ends_exploration_without_replaying_it(context: ActiveContext) -> None:
    session, calls = session_of(context), []

    def scenario(value: int) -> None:
        calls.append(value)
        if len(calls) == 2:
            raise Disagreement("Wrong", f"value {value} was judged wrong")

    explore(session, st.integers(), scenario, cases=[1])
    assert len(calls) == 2  # the case, then one drawn value; no replay, no shrinking
    assert [item.outcome for item in session.findings.observations] == [Outcome.FAILED]


def test_an_error_in_a_scenario_is_raised_after_hypothesis(context: ActiveContext) -> None:
    def scenario(value: int) -> None:
        raise KeyError("broken check")

    with pytest.raises(KeyError):
        explore(session_of(context), st.integers(), scenario)


@pytest.mark.parametrize(
    ("raised", "outcome"),
    [
        (RoleUnavailable("no credentials"), Outcome.ERROR),
        (ZeroDivisionError("bug"), Outcome.ERROR),
        (Disagreement("Wrong", "shown wrong"), Outcome.FAILED),
    ],
)
def test_what_a_check_raises_becomes_an_observation(
    context: ActiveContext, raised: Exception, outcome: Outcome
) -> None:
    def check(session: Session) -> None:
        raise raised

    observations = carry_out(check, session_of(context))
    assert [item.outcome for item in observations] == [outcome]
    assert observations[0].check == "bb:test:check"


def test_a_stopped_run_sends_nothing(context: ActiveContext) -> None:
    context.stop_event.set()

    def check(session: Session) -> None:
        session.call(None, "GET", "/anything")
        raise AssertionError("not reached")

    assert carry_out(check, session_of(context)) == []


def test_no_answer_is_an_error_with_the_request(context: ActiveContext) -> None:
    def check(session: Session) -> None:
        session.call(None, "GET", "/anything")  # port 9 on loopback: nobody answers

    observations = carry_out(check, session_of(context))
    assert [item.outcome for item in observations] == [Outcome.ERROR]
    assert observations[0].exchange is not None


# ---------------------------------------------------------------------------- settings, roles


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GDI_CONFORMANCE_QUIET_PERIOD", raising=False)
    monkeypatch.setenv("GDI_CONFORMANCE_DELIVERY_TIMEOUT", "2.5")
    monkeypatch.setenv("GDI_CONFORMANCE_BB_EXAMPLES", "3")
    settings = BehaviourSettings.from_environment()
    assert (settings.delivery_timeout, settings.examples, settings.quiet_period) == (2.5, 3, 3.0)
    monkeypatch.setenv("GDI_CONFORMANCE_DELIVERY_TIMEOUT", "soon")
    with pytest.raises(SettingError, match="GDI_CONFORMANCE_DELIVERY_TIMEOUT"):
        BehaviourSettings.from_environment()


def test_an_unusable_setting_is_an_error_of_the_check(
    context: ActiveContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GDI_CONFORMANCE_QUIET_PERIOD", "-1")
    observations = list(ACTIVE_CHECKS["bb:messaging:event-scope"](context))
    assert [item.outcome for item in observations] == [Outcome.ERROR]
    assert "GDI_CONFORMANCE_QUIET_PERIOD" in observations[0].message


def test_synthetic_citizens_are_valid_and_follow_the_seed() -> None:
    numbers = [citizen_bsn(7, index) for index in range(5)]
    assert all(is_valid_bsn(number) for number in numbers)
    assert len(set(numbers)) == 5
    assert numbers == [citizen_bsn(7, index) for index in range(5)]
    assert citizen_bsn(8, 0) != numbers[0]


def test_a_role_without_any_source_says_how_to_provide_one() -> None:
    with pytest.raises(RoleUnavailable, match=r"some-role.*--identity"):
        Roles(Subjects(), seed=1).headers(ROLE)


def test_a_subject_named_after_a_role_provides_it_and_is_redacted() -> None:
    claims = {"oin": "00000001001234567000"}
    middle = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    token = f"eyJhbGciOiJub25lIn0.{middle}.c2lnbmF0dXJl"  # only the claims are read
    subjects = Subjects({ROLE.name: StaticHeaders({"Authorization": f"Bearer {token}"})})
    roles = Roles(subjects, seed=1)
    assert roles.claim(ROLE, "oin") == "00000001001234567000"
    assert token not in subjects.redactor.text(f"sent {token}")
    with pytest.raises(RoleUnavailable, match="bsn"):
        roles.claim(ROLE, "bsn")


# ---------------------------------------------------------------------------- receiver


def test_the_receiver_records_deliveries_and_fails_first_attempts() -> None:
    event = {"id": "event-1", "subject": "m-1"}
    with Receiver(policy=fail_first_attempt) as receiver, httpx.Client() as client:
        url = receiver.url("a")
        first = client.post(url, json=event)
        second = client.post(url, json=event)
        other = client.post(receiver.url("b"), json={"id": "event-2"})
        assert (first.status_code, second.status_code, other.status_code) == (503, 204, 503)
        assert receiver.wait_for(lambda items: len(items) == 3, timeout=1)
        assert [item.path for item in receiver.received()] == ["a", "a", "b"]
        assert receiver.received()[0].event() == event
        assert not receiver.wait_for(lambda items: len(items) > 3, timeout=0.3)


def test_the_receiver_keeps_stderr_clean_when_a_sender_drops_its_connection(
    capfd: pytest.CaptureFixture[str],
) -> None:
    # The durability check kills the implementation mid-delivery; socketserver would print a
    # traceback for the reset connection in the middle of the run's progress output.
    with Receiver() as receiver:
        port = int(receiver.url("a").split(":")[2].split("/")[0])
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"POST /gdi-conformance/events/a HTTP/1.1\r\nHost: x\r\n")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # linger 0: the peer gets a reset, not an orderly close
        with httpx.Client() as client:  # the receiver still serves afterwards
            assert client.post(receiver.url("a"), json={"id": "e"}).status_code == 204
    assert "Traceback" not in capfd.readouterr().err


def test_the_receiver_records_no_request_cut_off_after_its_headers() -> None:
    # An implementation killed between a callback's headers and its body sent no request; it
    # sends the event again after its restart, and only that one is a delivery.
    with Receiver() as receiver:
        port = int(receiver.url("a").split(":")[2].split("/")[0])
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(
                b"POST /gdi-conformance/events/a HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/cloudevents+json\r\nContent-Length: 353\r\n\r\n"
            )
            sock.shutdown(socket.SHUT_WR)
            assert sock.recv(1024) == b""  # no answer
        with httpx.Client() as client:
            assert client.post(receiver.url("a"), json={"id": "e"}).status_code == 204
        assert receiver.wait_for(lambda items: len(items) == 1, timeout=2)
        assert [item.event() for item in receiver.received()] == [{"id": "e"}]


# ---------------------------------------------------------------------------- judgements


def test_field_selection_judgement() -> None:
    full = {
        "burgerservicenummer": "999993653",
        "naam": {"voornamen": "Anna", "geslachtsnaam": "Jansen"},
        "kinderen": [{"burgerservicenummer": "999990020", "naam": {"voornamen": "Lotte"}}],
        "ouders": [],
    }
    exact = {"naam": {"voornamen": "Anna"}, "kinderen": [{"naam": {"voornamen": "Lotte"}}]}
    assert selection_problems(full, exact, ["naam.voornamen", "kinderen.naam"]) == []
    assert selection_problems(full, {**exact, "ouders": []}, ["naam.voornamen", "ouders"]) != []
    extra = {**exact, "burgerservicenummer": "999993653"}
    assert selection_problems(full, extra, ["naam.voornamen", "kinderen.naam"]) == [
        "burgerservicenummer came back but was not asked for"
    ]
    # A person who holds none of the selected fields comes back as an empty object: not a fault.
    assert (
        selection_problems({"burgerservicenummer": "999993653"}, {}, ["verblijfplaats.huisletter"])
        == []
    )
    missing = {"naam": {"voornamen": "Anna"}}
    assert "kinderen.naam.voornamen was asked for" in " ".join(
        selection_problems(full, missing, ["naam.voornamen", "kinderen.naam"])
    )
    wrong = {"naam": {"voornamen": "Anne"}}
    assert selection_problems(full, wrong, ["naam.voornamen"]) == [
        "naam.voornamen differs from the same person queried with every field"
    ]


def test_search_matching_follows_the_spec() -> None:
    person = {
        "naam": {"voornamen": "Anna Maria", "geslachtsnaam": "Jansen"},
        "geboorte": {"datum": "1980-04-12"},
        "geslacht": {"code": "V"},
        "verblijfplaats": {"postcode": "3511AB", "huisnummer": 12, "huisletter": "A"},
    }
    query = {"geslachtsnaam": "JANSEN", "geboortedatum": "1980-04-12"}
    assert matches_name(person, query)
    assert matches_name(person, {**query, "voornamen": "anna maria", "geslacht": "V"})
    assert not matches_name(person, {**query, "voornamen": "Anna"})
    assert not matches_name(person, {**query, "voorvoegsel": "de"})
    address = {"postcode": "3511AB", "huisnummer": 12}
    assert matches_address(person, {**address, "huisletter": "a"})
    assert not matches_address(person, {**address, "huisnummertoevoeging": "2"})
    assert not matches_address(person, {**address, "huisnummer": 13})


def test_bsns_are_found_in_uris_only_when_there() -> None:
    known = {"999993653", "999990019"}
    assert bsns_in("https://x.example/a?kind=999993653", known) == ["999993653"]
    assert bsns_in("https://x.example/a/999%39%393653", known) == ["999993653"]
    assert bsns_in("https://x.example/geboorteaangiften/3f1c5a2e-8d4b", known) == []


def _delivery(
    event: dict[str, object], media_type: str = "application/cloudevents+json"
) -> Delivery:
    return Delivery(
        path="a",
        method="POST",
        headers={"content-type": media_type},
        body=json.dumps(event).encode(),
        received_at=0.0,
    )


GOOD_EVENT = {
    "specversion": "1.0",
    "id": "8d4b3d63-3e1c-4b0f-8a5e-9f6f2c7d1a20",
    "source": "urn:nld:oin:00000001001234567000:systeem:berichtenbox",
    "type": "nl.gdi.messaging.message-received",
    "time": "2025-03-01T09:30:00.123456Z",
    "subject": "m-1",
    "dataref": "https://gdi.example.nl/messaging/v1/messages/m-1",
}


def test_a_conforming_cloudevent_has_no_problem() -> None:
    assert event_problems(_delivery(GOOD_EVENT), "m-1", "", ["Geheim onderwerp"]) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"specversion": "0.3"}, "specversion"),
        ({"source": "https://gdi.example.nl"}, "source"),
        ({"type": "MessageReceived"}, "type"),
        ({"time": "2025-03-01T10:30:00+01:00"}, "UTC"),
        ({"subject": "m-2"}, "subject"),
        ({"dataref": "https://gdi.example.nl/messaging/v1/messages/m-2"}, "dataref"),
        ({"data": {"subject": "Geheim onderwerp"}}, "informatie-arm"),
        ({"id": ""}, "no id"),
    ],
)
def test_each_cloudevent_defect_is_named(change: dict[str, object], problem: str) -> None:
    problems = event_problems(_delivery({**GOOD_EVENT, **change}), "m-1", "", ["Geheim onderwerp"])
    assert len(problems) == 1 and problem in problems[0], problems


def test_a_binary_mode_event_is_named() -> None:
    problems = event_problems(_delivery(GOOD_EVENT, "application/json"), "m-1", "", [])
    assert problems and "structured mode" in problems[0]


@pytest.mark.slow  # seconds of work: the full lane runs it
def test_exploration_keeps_hypothesis_caches_in_the_users_cache(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Derived tables (Unicode) are built once per user, not in a fresh directory per check,
    and never in the working directory."""
    import hypothesis.configuration

    from conformance.engine.behaviour.explore import private_hypothesis_home

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    before = vars(hypothesis.configuration).get("__hypothesis_home_directory")
    with private_hypothesis_home():
        home = hypothesis.configuration.storage_directory(intent_to_write=False).path
    assert home == tmp_path / "cache" / "gdi-conformance" / "hypothesis"
    assert vars(hypothesis.configuration).get("__hypothesis_home_directory") == before
    (tmp_path / "not-a-folder").write_text("")  # no usable cache: a temporary directory
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not-a-folder"))
    with private_hypothesis_home():
        home = hypothesis.configuration.storage_directory(intent_to_write=False).path
    assert home.name.startswith("gdi-conformance-bb-") and not home.exists()
    assert not (tmp_path / ".hypothesis").exists()
