"""Notifications: NL GOV CloudEvents, sent only to the parties of a message, at least once."""

from __future__ import annotations

import re
import socket
import time
from contextlib import closing

import pytest
from messaging_support import BSN_A, MAX_ATTEMPTS, Messaging, fresh_oin, receiver

pytestmark = pytest.mark.slow

RECEIVED = "nl.gdi.messaging.message-received"
READ = "nl.gdi.messaging.message-read"
DELETED = "nl.gdi.messaging.message-deleted"
UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z")
SOURCE = re.compile(r"urn:nld:oin:[0-9]{20}:systeem:[a-z0-9][a-z0-9-]*")


def test_an_event_is_an_informatie_arm_nl_gov_cloudevent(messaging: Messaging) -> None:
    sender = messaging.org_token(fresh_oin())
    with receiver() as callback:
        messaging.subscribe(callback.url, sender)
        subject, text = "Geheim onderwerp 7f3a", "Geheime inhoud 9c1e"
        sent = messaging.send(("bsn", BSN_A), token=sender, subject=subject, body=text)
        message_id = sent.json()["id"]
        assert callback.wait_for(lambda got: len(got) >= 1)
        request = callback.received[0]
    assert request.headers["Content-Type"] == "application/cloudevents+json"
    event = request.event()
    assert set(event) == {"specversion", "id", "source", "type", "time", "subject", "dataref"}
    assert event["specversion"] == "1.0"
    assert SOURCE.fullmatch(event["source"])
    assert event["type"] == RECEIVED
    assert UTC.fullmatch(event["time"])
    assert event["subject"] == message_id
    assert event["dataref"] == messaging.url(f"/messages/{message_id}")
    raw = request.body.decode()
    for secret in (BSN_A, subject, text):
        assert secret not in raw
    # The subscriber fetches the details with its own token.
    fetched = messaging.client.get(event["dataref"], headers={"Authorization": f"Bearer {sender}"})
    assert fetched.status_code == 200 and fetched.json()["body"] == text


def test_events_go_only_to_the_parties_of_the_message(messaging: Messaging) -> None:
    org_x, org_y, bystander = fresh_oin(), fresh_oin(), fresh_oin()
    with receiver() as x_box, receiver() as y_box, receiver() as other_box:
        messaging.subscribe(x_box.url, messaging.org_token(org_x))
        messaging.subscribe(y_box.url, messaging.org_token(org_y))
        messaging.subscribe(other_box.url, messaging.org_token(bystander))
        to_citizen = messaging.send(("bsn", BSN_A), token=messaging.org_token(org_x)).json()
        to_y = messaging.send(("oin", org_y), token=messaging.org_token(org_x)).json()
        assert x_box.wait_for(lambda got: len(got) >= 2)
        assert y_box.wait_for(lambda got: len(got) >= 1)
        time.sleep(0.5)  # give any wrongly addressed event time to arrive
        x_events, y_events = x_box.events(), y_box.events()
        assert other_box.events() == []
    assert sorted(event["subject"] for event in x_events) == sorted([to_citizen["id"], to_y["id"]])
    assert [event["subject"] for event in y_events] == [to_y["id"]]
    # One event, one id, whoever receives it.
    x_copy = next(event for event in x_events if event["subject"] == to_y["id"])
    assert x_copy["id"] == y_events[0]["id"]


def test_read_and_delete_events_follow_the_chosen_types(messaging: Messaging) -> None:
    sender = messaging.org_token(fresh_oin())
    with receiver() as only_read, receiver() as everything:
        messaging.subscribe(only_read.url, sender, eventTypes=[READ])
        messaging.subscribe(everything.url, sender)
        message_id = messaging.send(("bsn", BSN_A), token=sender).json()["id"]
        citizen = messaging.citizen_token(BSN_A)
        path = f"/messages/{message_id}/read-status"
        assert messaging.request("PUT", path, citizen, json={"read": True}).status_code == 200
        # Marking read again changes nothing, so it tells nobody anything.
        assert messaging.request("PUT", path, citizen, json={"read": True}).status_code == 200
        deleted = messaging.request("DELETE", f"/messages/{message_id}", citizen)
        assert deleted.status_code == 204
        assert everything.wait_for(lambda got: len(got) >= 3)
        assert only_read.wait_for(lambda got: len(got) >= 1)
        time.sleep(0.5)
        all_types = [event["type"] for event in everything.events()]
        read_types = [event["type"] for event in only_read.events()]
    assert sorted(all_types) == sorted([RECEIVED, READ, DELETED])
    assert read_types == [READ]


def test_failed_deliveries_are_retried_with_backoff_and_the_same_id(messaging: Messaging) -> None:
    sender = messaging.org_token(fresh_oin())
    with receiver(lambda count: 503 if count < 2 else 204) as callback:
        messaging.subscribe(callback.url, sender)
        messaging.send(token=sender)
        assert callback.wait_for(lambda got: len(got) >= 3)
        time.sleep(1.0)  # delivered on the third attempt: no fourth may follow
        received = list(callback.received)
    assert len(received) == 3
    assert len({item.event()["id"] for item in received}) == 1
    first_gap = received[1].at - received[0].at
    second_gap = received[2].at - received[1].at
    assert second_gap > first_gap > 0.1  # exponential: each wait longer than the last


@pytest.mark.parametrize("status", [500, 408, 429])
def test_these_answers_are_retried(messaging: Messaging, status: int) -> None:
    sender = messaging.org_token(fresh_oin())
    with receiver(lambda count: status if count == 0 else 204) as callback:
        messaging.subscribe(callback.url, sender)
        messaging.send(token=sender)
        assert callback.wait_for(lambda got: len(got) >= 2)


def test_a_refused_connection_is_retried(messaging: Messaging) -> None:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = messaging.org_token(fresh_oin())
    messaging.subscribe(f"http://127.0.0.1:{port}/events", sender)
    message_id = messaging.send(token=sender).json()["id"]
    time.sleep(0.5)  # the first attempts find nobody listening
    with receiver(port=port) as callback:
        assert callback.wait_for(lambda got: len(got) >= 1, timeout=15)
        assert callback.events()[0]["subject"] == message_id


def test_another_client_error_is_final(messaging: Messaging) -> None:
    sender = messaging.org_token(fresh_oin())
    with receiver(lambda count: 400) as callback:
        messaging.subscribe(callback.url, sender)
        messaging.send(token=sender)
        assert callback.wait_for(lambda got: len(got) >= 1)
        time.sleep(1.5)  # a retry would have come after about 0.2 s
        assert len(callback.received) == 1


def test_delivery_gives_up_after_the_maximum_number_of_attempts(messaging: Messaging) -> None:
    sender = messaging.org_token(fresh_oin())
    with receiver(lambda count: 503) as callback:
        messaging.subscribe(callback.url, sender)
        messaging.send(token=sender)
        assert callback.wait_for(lambda got: len(got) >= MAX_ATTEMPTS, timeout=30)
        time.sleep(3.0)  # longer than the longest backoff (2 s)
        assert len(callback.received) == MAX_ATTEMPTS


def test_a_deleted_subscription_receives_nothing_more(messaging: Messaging) -> None:
    sender = messaging.org_token(fresh_oin())
    with receiver(lambda count: 503) as callback:
        subscription_id = messaging.subscribe(callback.url, sender)
        messaging.send(token=sender)
        assert callback.wait_for(lambda got: len(got) >= 1)
        deleted = messaging.request("DELETE", f"/subscriptions/{subscription_id}", sender)
        assert deleted.status_code == 204
        settled = len(callback.received)  # an attempt in flight at that moment may still land
        time.sleep(2.5)
        assert len(callback.received) == settled
        messaging.send(token=sender)
        time.sleep(0.5)
        assert len(callback.received) == settled
