"""Retention: finished outbox rows and expired idempotency keys are deleted, pending rows never;
and the order and limits by which the delivery worker takes due rows. In-process, on a real
SQLite database; time is passed in, so that days pass in an instant."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from building_blocks.common import Database
from building_blocks.messaging import ConfigurationError, retention_from_env
from building_blocks.messaging.delivery import DeliveryWorker, Slots, callback_host
from building_blocks.messaging.principal import Party
from building_blocks.messaging.store import (
    IDEMPOTENCY_KEY_TTL,
    MIGRATIONS,
    Delivery,
    MessageStore,
    SendOutcome,
)

SENDER = "00000001001234567000"
DAY = 24 * 3600.0
T0 = 1_800_000_000.0  # some moment in 2027


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MessageStore]:
    opened = MessageStore(
        tmp_path / "messaging.sqlite3",
        base_url="http://127.0.0.1:1/messaging/v1",
        operator_oin="00000001999999999000",
    )
    try:
        yield opened
    finally:
        opened.close()


def send(store: MessageStore, key: str, *, now: float, body: str = "Inhoud") -> SendOutcome:
    result = store.send(
        sender_oin=SENDER,
        idempotency_key=key,
        request_hash=f"hash-of-{body}",
        recipient=Party("bsn", "999993653"),
        subject="Onderwerp",
        body=body,
        now=now,
    )
    return result.outcome


def outbox(store: MessageStore) -> dict[int, str]:
    return {row["seq"]: row["state"] for row in store.db.query("SELECT seq, state FROM outbox")}


def keys(store: MessageStore) -> set[str]:
    return {row["key"] for row in store.db.query("SELECT key FROM idempotency_key")}


def subscribed_rows(store: MessageStore, count: int, *, now: float) -> list[int]:
    """``count`` pending outbox rows (one message each, to one subscription)."""
    store.create_subscription(
        SENDER, "http://127.0.0.1:9/events", ["nl.gdi.messaging.message-received"]
    )
    for number in range(count):
        send(store, f"sleutel-voor-rij-{number:04d}", now=now)
    return sorted(outbox(store))


def test_finished_rows_past_retention_are_deleted_newer_and_pending_ones_stay(
    store: MessageStore,
) -> None:
    old_delivered, old_failed, new_delivered, pending = subscribed_rows(store, 4, now=T0)
    store.mark_delivered(old_delivered, now=T0)
    store.mark_failed(old_failed, error="HTTP 400", now=T0 + 1)
    store.mark_delivered(new_delivered, now=T0 + 6 * DAY)
    store.mark_retry(pending, next_attempt_at=T0 + 2, error="HTTP 503")

    purged = store.purge(T0 + 7 * DAY + 10, outbox_retention=7 * DAY)

    assert purged.outbox_rows == 2
    assert outbox(store) == {new_delivered: "delivered", pending: "pending"}


def test_pending_rows_are_never_deleted_however_old(store: MessageStore) -> None:
    rows = subscribed_rows(store, 3, now=T0)
    purged = store.purge(T0 + 1000 * DAY, outbox_retention=0)
    assert purged.outbox_rows == 0
    assert sorted(outbox(store)) == rows


def test_idempotency_keys_expire_after_24_hours(store: MessageStore) -> None:
    assert store.idempotency_ttl == IDEMPOTENCY_KEY_TTL == DAY
    send(store, "sleutel-van-gisteren-0001", now=T0)
    send(store, "sleutel-van-vandaag-00001", now=T0 + 2 * 3600)
    purged = store.purge(T0 + DAY + 60, outbox_retention=7 * DAY)
    assert purged.idempotency_keys == 1
    assert keys(store) == {"sleutel-van-vandaag-00001"}


def test_a_key_is_honoured_for_24_hours_and_is_new_after_expiry(store: MessageStore) -> None:
    key = "sleutel-die-terugkomt-01"
    assert send(store, key, now=T0) is SendOutcome.CREATED
    assert send(store, key, now=T0 + DAY - 60) is SendOutcome.REPLAYED
    assert send(store, key, now=T0 + DAY - 60, body="Anders") is SendOutcome.CONFLICT
    # Expired: even before any clean-up ran, the key starts a new message (any body).
    assert send(store, key, now=T0 + DAY + 60, body="Anders") is SendOutcome.CREATED
    assert send(store, key, now=T0 + DAY + 120, body="Anders") is SendOutcome.REPLAYED
    assert len(store.db.query("SELECT id FROM message")) == 2


def test_a_shorter_lifetime_can_be_given_to_the_store(tmp_path: Path) -> None:
    store = MessageStore(
        tmp_path / "short.sqlite3",
        base_url="http://127.0.0.1:1/messaging/v1",
        operator_oin="00000001999999999000",
        idempotency_ttl=60,
    )
    try:
        assert send(store, "sleutel-kort-geldig-0001", now=T0) is SendOutcome.CREATED
        assert send(store, "sleutel-kort-geldig-0001", now=T0 + 61) is SendOutcome.CREATED
    finally:
        store.close()


def test_rows_finished_before_the_upgrade_get_a_retention_clock(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = Database(path, MIGRATIONS[:1])
    old.execute(
        "INSERT INTO subscription (id, owner_oin, callback_url, event_types, created_at)"
        " VALUES ('s', ?, 'http://127.0.0.1:9/e', '[]', '2026-01-01T00:00:00.000000Z')",
        (SENDER,),
    )
    old.execute(
        "INSERT INTO outbox (event_id, subscription_id, payload, state, next_attempt_at)"
        " VALUES ('e1', 's', '{}', 'delivered', 0), ('e2', 's', '{}', 'pending', 0)"
    )
    old.close()
    store = MessageStore(path, base_url="http://127.0.0.1:1/messaging/v1", operator_oin=SENDER)
    try:
        # Not deleted at once: its retention period starts with the upgrade.
        assert store.purge(time.time(), outbox_retention=3600).outbox_rows == 0
        assert store.purge(time.time() + 3700, outbox_retention=3600).outbox_rows == 1
        assert list(outbox(store).values()) == ["pending"]
    finally:
        store.close()


def test_the_worker_cleans_up_periodically(store: MessageStore) -> None:
    first, second = subscribed_rows(store, 2, now=time.time())
    store.mark_delivered(first, now=time.time() - 100)
    worker = DeliveryWorker(store, outbox_retention=10, cleanup_interval=0.3, idle_poll=0.05)

    async def until(condition: Callable[[], bool]) -> bool:
        deadline = time.monotonic() + 10
        while not condition():
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    async def scenario() -> tuple[bool, dict[int, str], bool]:
        task = asyncio.create_task(worker.run())
        try:
            # The first clean-up runs when the worker starts, the next an interval later.
            first_gone = await until(lambda: first not in outbox(store))
            after_start = outbox(store)
            store.mark_failed(second, error="HTTP 400", now=time.time() - 100)
            second_gone = await until(lambda: second not in outbox(store))
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        return first_gone, after_start, second_gone

    first_gone, after_start, second_gone = asyncio.run(scenario())
    assert first_gone and second in after_start  # a pending row stays
    assert second_gone and outbox(store) == {}


def test_first_attempts_are_due_before_retries(store: MessageStore) -> None:
    retried, fresh = subscribed_rows(store, 2, now=T0)
    store.mark_retry(retried, next_attempt_at=T0 - 50, error="timeout")
    store.db.execute("UPDATE outbox SET next_attempt_at = ? WHERE seq = ?", (T0, fresh))
    due = store.due_deliveries(T0, limit=10)
    assert [item.seq for item in due] == [fresh, retried]
    assert [item.seq for item in store.due_deliveries(T0, limit=1)] == [fresh]


def delivery(seq: int, host: str, attempts: int) -> Delivery:
    return Delivery(seq, f"event-{seq}", f"http://{host}/events", "{}", attempts)


def test_retries_and_any_one_host_get_only_part_of_the_slots(store: MessageStore) -> None:
    worker = DeliveryWorker(store, concurrency=8)
    assert worker.slots == Slots(total=8, retries=4, per_host=2)
    retries = [delivery(seq, f"dood-{seq % 5}.example:80", 1) for seq in range(20)]
    chosen = worker.admissible(retries)
    assert len(chosen) == 4  # four slots stay free for first attempts
    firsts = [delivery(100 + seq, "levend.example", 0) for seq in range(5)]
    chosen = worker.admissible(firsts + retries)
    assert [item.seq for item in chosen[:2]] == [100, 101]  # at most two to one host
    assert sum(1 for item in chosen if item.attempts > 0) == 4
    assert len(chosen) == 6


def test_slots_for_small_concurrency() -> None:
    assert Slots.for_concurrency(1) == Slots(total=1, retries=0, per_host=1)
    assert Slots.for_concurrency(2) == Slots(total=2, retries=1, per_host=1)


def test_the_host_includes_scheme_and_port() -> None:
    assert callback_host("http://127.0.0.1:8080/a") != callback_host("http://127.0.0.1:8081/a")
    assert callback_host("https://Ontvanger.example/a") == callback_host(
        "https://ontvanger.example/b"
    )
    assert callback_host("http://[::1:bad") == "unusable"


def test_retention_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = retention_from_env()
    assert (defaults.idempotency_ttl, defaults.outbox_retention) == (DAY, 7 * DAY)
    assert defaults.cleanup_interval == 600
    monkeypatch.setenv("GDI_MESSAGING_OUTBOX_RETENTION", "60")
    monkeypatch.setenv("GDI_MESSAGING_CLEANUP_INTERVAL", "5")
    monkeypatch.setenv("GDI_MESSAGING_IDEMPOTENCY_TTL", str(2 * DAY))
    chosen = retention_from_env()
    assert (chosen.outbox_retention, chosen.cleanup_interval, chosen.idempotency_ttl) == (
        60,
        5,
        2 * DAY,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GDI_MESSAGING_IDEMPOTENCY_TTL", "3600"),  # shorter than the spec promises
        ("GDI_MESSAGING_OUTBOX_RETENTION", "-1"),
        ("GDI_MESSAGING_CLEANUP_INTERVAL", "0"),
        ("GDI_MESSAGING_CLEANUP_INTERVAL", "often"),
    ],
)
def test_unusable_retention_settings_are_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=name):
        retention_from_env()


def test_the_clean_up_deletes_through_indexes(store: MessageStore) -> None:
    plan = store.db.query(
        "EXPLAIN QUERY PLAN DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox"
        " WHERE finished_at < ? AND state <> 'pending' LIMIT ?)",
        (T0, 10),
    )
    assert any("outbox_finished" in row["detail"] for row in plan)
    plan = store.db.query(
        "EXPLAIN QUERY PLAN SELECT rowid FROM idempotency_key WHERE created_at < ?", ("x",)
    )
    assert any("idempotency_key_created" in row["detail"] for row in plan)
