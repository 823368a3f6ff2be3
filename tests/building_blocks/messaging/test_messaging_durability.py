"""A crash loses nothing that was acknowledged: messages and their pending notifications."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from messaging_support import BSN_B, Messaging, fresh_oin, receiver, running_messaging
from support.issuer import FakeIssuer

pytestmark = pytest.mark.slow

MESSAGES = 20


@pytest.fixture
def crashable(issuer: FakeIssuer, tmp_path) -> Iterator[Messaging]:
    """A messaging service of this test alone, which it may kill."""
    with running_messaging(tmp_path, issuer) as service:
        yield service


def test_sigkill_loses_no_acknowledged_message_and_no_notification(crashable: Messaging) -> None:
    available = False  # the subscriber is down (503) until the service has crashed
    sender = crashable.org_token(fresh_oin())
    bsn = BSN_B
    with receiver(lambda count: 204 if available else 503) as callback:
        crashable.subscribe(callback.url, sender)
        acknowledged = []
        for _ in range(MESSAGES):
            response = crashable.send(("bsn", bsn), token=sender)
            assert response.status_code == 201, response.text
            acknowledged.append(response.json()["id"])

        crashable.process.kill()  # SIGKILL straight after the last acknowledgement
        assert not crashable.process.alive
        failed_before = {item.event()["subject"]: item.event()["id"] for item in callback.received}
        available = True
        crashable.process.start(60)

        citizen = crashable.citizen_token(bsn)
        listed = crashable.request("GET", "/messages", citizen, params={"pageSize": 100}).json()
        assert sorted(item["id"] for item in listed["items"]) == sorted(acknowledged)
        assert listed["pagination"]["totalItems"] == MESSAGES  # and no duplicates

        def all_delivered(received) -> bool:
            done = {item.event()["subject"] for item in received if item.status == 204}
            return done >= set(acknowledged)

        assert callback.wait_for(all_delivered, timeout=30), "notifications were lost"
        delivered = [item.event() for item in callback.received if item.status == 204]
    assert len({event["subject"] for event in delivered}) == MESSAGES
    # A retried event keeps its id, also across the restart.
    for event in delivered:
        if event["subject"] in failed_before:
            assert event["id"] == failed_before[event["subject"]]
