"""Receivers that hang cannot hold up a live one: a first delivery never waits behind retries,
and no callback host takes every slot. Real HTTP: the service under uvicorn, receivers on
loopback that hang until the worker's 5 s timeout."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from messaging_support import (
    Messaging,
    fresh_oin,
    hanging_receiver,
    receiver,
    running_messaging,
)
from support.issuer import FakeIssuer

pytestmark = pytest.mark.slow

SLOTS = 8  # the worker's concurrent deliveries
# Far below what queueing behind the backlog costs (TIMEOUT x backlog / SLOTS, 20 s here),
# with room for a slow machine.
BOUND = 2.5


@pytest.fixture
def service(issuer: FakeIssuer, tmp_path) -> Iterator[Messaging]:
    """A messaging service of this test alone: the backlog it builds must not slow others."""
    with running_messaging(tmp_path, issuer) as service:
        yield service


def seconds_until_live_delivery(service: Messaging) -> float:
    """Send a message from an organisation with a working receiver; how long it took to
    arrive (infinity if it did not arrive within 30 s)."""
    live_org = service.org_token(fresh_oin())
    with receiver() as live:
        service.subscribe(live.url, live_org)
        started = time.monotonic()
        assert service.send(token=live_org).status_code == 201
        if not live.wait_for(lambda got: len(got) >= 1, timeout=30):
            return float("inf")
        return live.received[0].at - started


def test_a_first_delivery_does_not_wait_behind_hanging_retries(service: Messaging) -> None:
    # Five hosts, so that the per-host limit alone (a quarter of the slots each) would not
    # keep a slot free: the slots kept for first attempts must.
    backlog = 40
    dead_org = service.org_token(fresh_oin())
    with ExitStack() as stack:
        dead = [stack.enter_context(hanging_receiver(hang=False)) for _ in range(5)]
        for index in range(backlog):
            service.subscribe(dead[index % len(dead)].url, dead_org)
        assert service.send(token=dead_org).status_code == 201
        # Every first attempt fails at once (503); from now on every retry hangs.
        deadline = time.monotonic() + 15
        while sum(item.count() for item in dead) < backlog and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sum(item.count() for item in dead) >= backlog
        for item in dead:
            item.hang.set()
        time.sleep(1.0)  # the first retries are due (after 0.2 s) and hanging
        assert sum(item.count() for item in dead) > backlog
        elapsed = seconds_until_live_delivery(service)
    assert elapsed < BOUND, f"the live receiver waited {elapsed:.1f} s"


def test_one_hanging_host_cannot_take_every_slot(service: Messaging) -> None:
    backlog = 30
    dead_org = service.org_token(fresh_oin())
    with hanging_receiver() as dead:
        for _ in range(backlog):
            service.subscribe(dead.url, dead_org)
        assert service.send(token=dead_org).status_code == 201
        deadline = time.monotonic() + 5
        while dead.count() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # every attempt the worker admits has started
        in_flight = dead.count()  # none can have ended: each hangs for 5 s
        elapsed = seconds_until_live_delivery(service)
    assert elapsed < BOUND, f"the live receiver waited {elapsed:.1f} s"
    assert 0 < in_flight <= SLOTS // 4, f"{in_flight} slots went to one host"
