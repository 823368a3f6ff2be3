"""Subscriptions: who may manage them, what a callback URL may be, and their life cycle."""

from __future__ import annotations

import pytest
from messaging_support import BSN_A, Messaging, assert_problem, fresh_oin

pytestmark = pytest.mark.slow

EVENT_TYPES = [
    "nl.gdi.messaging.message-received",
    "nl.gdi.messaging.message-read",
    "nl.gdi.messaging.message-deleted",
]


def test_create_get_list_delete(messaging: Messaging) -> None:
    token = messaging.org_token(fresh_oin())
    created = messaging.request(
        "POST", "/subscriptions", token, json={"callbackUrl": "http://127.0.0.1:9/events"}
    )
    assert created.status_code == 201, created.text
    subscription = created.json()
    assert subscription["eventTypes"] == EVENT_TYPES  # all types when none are named
    assert created.headers["Location"] == messaging.url(f"/subscriptions/{subscription['id']}")
    path = f"/subscriptions/{subscription['id']}"
    assert messaging.request("GET", path, token).json() == subscription
    listed = messaging.request("GET", "/subscriptions", token).json()
    assert listed["items"] == [subscription]
    assert listed["pagination"]["totalItems"] == 1
    assert messaging.request("DELETE", path, token).status_code == 204
    assert_problem(messaging.request("GET", path, token), 404)
    assert_problem(messaging.request("DELETE", path, token), 404)
    assert messaging.request("GET", "/subscriptions", token).json()["items"] == []


def test_event_types_are_kept_in_a_fixed_order(messaging: Messaging) -> None:
    token = messaging.org_token(fresh_oin())
    chosen = [EVENT_TYPES[2], EVENT_TYPES[0]]
    created = messaging.request(
        "POST",
        "/subscriptions",
        token,
        json={"callbackUrl": "https://ontvanger.example.nl/events", "eventTypes": chosen},
    )
    assert created.status_code == 201
    assert created.json()["eventTypes"] == [EVENT_TYPES[0], EVENT_TYPES[2]]


def test_another_organisations_subscription_is_404(messaging: Messaging) -> None:
    owner = messaging.org_token(fresh_oin())
    subscription_id = messaging.subscribe("http://127.0.0.1:9/events", owner)
    other = messaging.org_token(fresh_oin())
    path = f"/subscriptions/{subscription_id}"
    assert_problem(messaging.request("GET", path, other), 404)
    assert_problem(messaging.request("DELETE", path, other), 404)
    assert messaging.request("GET", "/subscriptions", other).json()["items"] == []
    assert messaging.request("GET", path, owner).status_code == 200


def test_subscribing_needs_the_scope_and_an_organisation(messaging: Messaging) -> None:
    body = {"callbackUrl": "http://127.0.0.1:9/events"}
    without_scope = messaging.org_token(fresh_oin(), scope="messaging:send")
    assert_problem(messaging.request("POST", "/subscriptions", without_scope, json=body), 403)
    citizen = messaging.issuer.token(scope="messaging:subscribe", bsn=BSN_A)
    assert_problem(messaging.request("POST", "/subscriptions", citizen, json=body), 403)
    assert_problem(messaging.request("GET", "/subscriptions", citizen), 403)


@pytest.mark.parametrize(
    "payload",
    [
        {"callbackUrl": "ftp://127.0.0.1/events"},
        {"callbackUrl": "file:///etc/passwd"},
        {"callbackUrl": "http://user:secret@127.0.0.1/events"},
        {"callbackUrl": "http://127.0.0.1/events#fragment"},
        {"callbackUrl": "http://127.0.0.1:70000/events"},
        {"callbackUrl": "http://127.0.0.1/%zz"},
        {"callbackUrl": "http://127.0.0.1/events\n"},
        {"callbackUrl": "/relative/events"},
        {"callbackUrl": "http://127.0.0.1/events", "eventTypes": []},
        {"callbackUrl": "http://127.0.0.1/events", "eventTypes": None},
        {"callbackUrl": "http://127.0.0.1/events", "eventTypes": ["nl.gdi.other"]},
        {
            "callbackUrl": "http://127.0.0.1/events",
            "eventTypes": [EVENT_TYPES[0], EVENT_TYPES[0]],
        },
        {"callbackUrl": "http://127.0.0.1/events", "extra": True},
        {},
    ],
)
def test_invalid_subscriptions_are_400(messaging: Messaging, payload) -> None:
    token = messaging.org_token(fresh_oin())
    assert_problem(messaging.request("POST", "/subscriptions", token, json=payload), 400)
    assert messaging.request("GET", "/subscriptions", token).json()["items"] == []


def test_an_organisation_holds_at_most_fifty(messaging: Messaging) -> None:
    token = messaging.org_token(fresh_oin())
    for number in range(50):
        messaging.subscribe(f"http://127.0.0.1:9/events/{number}", token)
    response = messaging.request(
        "POST", "/subscriptions", token, json={"callbackUrl": "http://127.0.0.1:9/one-more"}
    )
    assert_problem(response, 409)
    listed = messaging.request("GET", "/subscriptions", token, params={"pageSize": 100}).json()
    assert listed["pagination"]["totalItems"] == 50
