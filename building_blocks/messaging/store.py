"""Messages, idempotency keys, subscriptions and the event outbox, in one SQLite database.

Every change that causes an event writes the event's outbox rows in the same transaction as
the change itself (the transactional-outbox pattern): once a send is acknowledged, both the
message and its notifications are on disk, and a crash can lose neither.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from building_blocks.common import Database
from building_blocks.messaging.events import (
    EVENT_TYPES,
    MESSAGE_DELETED,
    MESSAGE_READ,
    MESSAGE_RECEIVED,
    message_event,
    utc_timestamp,
)
from building_blocks.messaging.principal import Party

MAX_SUBSCRIPTIONS_PER_ORGANISATION = 50
# The spec promises that an Idempotency-Key is kept for at least 24 hours; after that the same
# key from the same sender starts a new message.
IDEMPOTENCY_KEY_TTL = 24 * 3600.0
# Rows are deleted in batches, so that a large backlog never holds the write lock for long.
PURGE_BATCH = 5000

MIGRATIONS: Sequence[str] = (
    """
    CREATE TABLE message (
        id TEXT PRIMARY KEY,
        sender_oin TEXT NOT NULL,
        recipient_type TEXT NOT NULL CHECK (recipient_type IN ('bsn', 'kvk', 'oin')),
        recipient_id TEXT NOT NULL,
        subject TEXT NOT NULL,
        body TEXT NOT NULL,
        sent_at TEXT NOT NULL,
        read_at TEXT
    );
    CREATE INDEX message_inbox ON message (recipient_type, recipient_id, sent_at DESC, id);
    CREATE INDEX message_sender ON message (sender_oin);

    -- The answer to the first request with a key is kept whole, so a replay returns exactly it.
    CREATE TABLE idempotency_key (
        sender_oin TEXT NOT NULL,
        key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        message_id TEXT NOT NULL,
        response TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (sender_oin, key)
    );

    CREATE TABLE subscription (
        id TEXT PRIMARY KEY,
        owner_oin TEXT NOT NULL,
        callback_url TEXT NOT NULL,
        event_types TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX subscription_owner ON subscription (owner_oin, created_at DESC, id);

    -- One row per (event, subscription). Deleting a subscription deletes its pending events.
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL,
        subscription_id TEXT NOT NULL REFERENCES subscription (id) ON DELETE CASCADE,
        payload TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at REAL NOT NULL,
        last_error TEXT,
        delivered_at TEXT,
        UNIQUE (event_id, subscription_id)
    );
    CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
    """,
    # Retention: when a row was delivered or given up (epoch seconds), so that finished rows and
    # old idempotency keys can be deleted through an index. Rows finished before this migration
    # start their retention period now.
    """
    ALTER TABLE outbox ADD COLUMN finished_at REAL;
    UPDATE outbox SET finished_at = CAST(strftime('%s', 'now') AS REAL) WHERE state <> 'pending';
    CREATE INDEX outbox_finished ON outbox (finished_at) WHERE finished_at IS NOT NULL;
    CREATE INDEX idempotency_key_created ON idempotency_key (created_at);
    """,
)


class SendOutcome(Enum):
    CREATED = "created"
    REPLAYED = "replayed"
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: SendOutcome
    message: dict[str, Any] | None  # the message as answered to the first request


@dataclass(frozen=True, slots=True)
class Delivery:
    """One pending outbox row, with what the worker needs to POST it."""

    seq: int
    event_id: str
    callback_url: str
    payload: str
    attempts: int


@dataclass(frozen=True, slots=True)
class Purged:
    """How many rows one retention clean-up deleted."""

    outbox_rows: int
    idempotency_keys: int


def timestamp_at(epoch_seconds: float) -> str:
    return utc_timestamp(dt.datetime.fromtimestamp(epoch_seconds, dt.UTC))


def message_view(row: sqlite3.Row, *, summary: bool = False) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": row["id"],
        "sender": {"oin": row["sender_oin"]},
        "subject": row["subject"],
        "status": "read" if row["read_at"] else "unread",
        "sentAt": row["sent_at"],
        "readAt": row["read_at"],
    }
    if not summary:
        view["recipient"] = {"type": row["recipient_type"], "identifier": row["recipient_id"]}
        view["body"] = row["body"]
    return view


def subscription_view(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "callbackUrl": row["callback_url"],
        "eventTypes": json.loads(row["event_types"]),
        "createdAt": row["created_at"],
    }


class MessageStore:
    def __init__(
        self,
        path: Path,
        *,
        base_url: str,
        operator_oin: str,
        idempotency_ttl: float = IDEMPOTENCY_KEY_TTL,
    ) -> None:
        self.db = Database(path, MIGRATIONS)
        self.base_url = base_url
        self.operator_oin = operator_oin
        self.idempotency_ttl = idempotency_ttl

    def close(self) -> None:
        self.db.close()

    # -- messages ---------------------------------------------------------------------------

    def send(
        self,
        *,
        sender_oin: str,
        idempotency_key: str,
        request_hash: str,
        recipient: Party,
        subject: str,
        body: str,
        now: float,
    ) -> SendResult:
        with self.db.transaction() as conn:
            # An expired key is forgotten here too, not only by the periodic clean-up, so that
            # expiry does not depend on when that last ran.
            conn.execute(
                "DELETE FROM idempotency_key WHERE sender_oin = ? AND key = ? AND created_at < ?",
                (sender_oin, idempotency_key, timestamp_at(now - self.idempotency_ttl)),
            )
            earlier = conn.execute(
                "SELECT request_hash, response FROM idempotency_key"
                " WHERE sender_oin = ? AND key = ?",
                (sender_oin, idempotency_key),
            ).fetchone()
            if earlier is not None:
                if earlier["request_hash"] != request_hash:
                    return SendResult(SendOutcome.CONFLICT, None)
                return SendResult(SendOutcome.REPLAYED, json.loads(earlier["response"]))
            message_id = str(uuid.uuid4())
            sent_at = utc_timestamp()
            conn.execute(
                "INSERT INTO message (id, sender_oin, recipient_type, recipient_id, subject, body,"
                " sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    message_id,
                    sender_oin,
                    recipient.kind,
                    recipient.identifier,
                    subject,
                    body,
                    sent_at,
                ),
            )
            row = conn.execute("SELECT * FROM message WHERE id = ?", (message_id,)).fetchone()
            view = message_view(row)
            conn.execute(
                "INSERT INTO idempotency_key (sender_oin, key, request_hash, message_id, response,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    sender_oin,
                    idempotency_key,
                    request_hash,
                    message_id,
                    json.dumps(view),
                    timestamp_at(now),
                ),
            )
            # The sender hears that its message arrived; an organisation recipient hears it too.
            owners = [sender_oin]
            if recipient.kind == "oin":
                owners.append(recipient.identifier)
            self._enqueue(conn, MESSAGE_RECEIVED, message_id, owners, now)
            return SendResult(SendOutcome.CREATED, view)

    def get_message(self, message_id: str) -> sqlite3.Row | None:
        return self.db.query_one("SELECT * FROM message WHERE id = ?", (message_id,))

    def list_inbox(
        self, owner: Party, *, status: str | None, page: int, page_size: int
    ) -> tuple[list[sqlite3.Row], int]:
        where = "recipient_type = ? AND recipient_id = ?"
        params: list[Any] = [owner.kind, owner.identifier]
        if status == "read":
            where += " AND read_at IS NOT NULL"
        elif status == "unread":
            where += " AND read_at IS NULL"
        conn = self.db.connection()
        # One read transaction, so the count and the page describe the same state.
        with self.db.transaction(immediate=False):
            total = conn.execute(f"SELECT COUNT(*) FROM message WHERE {where}", params).fetchone()
            rows = conn.execute(
                f"SELECT * FROM message WHERE {where} ORDER BY sent_at DESC, id ASC"
                " LIMIT ? OFFSET ?",
                [*params, page_size, (page - 1) * page_size],
            ).fetchall()
        return rows, int(total[0])

    def set_read(self, message_id: str, read: bool, *, now: float) -> sqlite3.Row | None:
        """Set the read status; ``None`` when the message does not exist (any more)."""
        with self.db.transaction() as conn:
            row = conn.execute("SELECT * FROM message WHERE id = ?", (message_id,)).fetchone()
            if row is None:
                return None
            if read and row["read_at"] is None:
                conn.execute(
                    "UPDATE message SET read_at = ? WHERE id = ?", (utc_timestamp(), message_id)
                )
                self._enqueue(conn, MESSAGE_READ, message_id, [row["sender_oin"]], now)
            elif not read and row["read_at"] is not None:
                conn.execute("UPDATE message SET read_at = NULL WHERE id = ?", (message_id,))
            updated: sqlite3.Row = conn.execute(
                "SELECT * FROM message WHERE id = ?", (message_id,)
            ).fetchone()
            return updated

    def delete_message(self, message_id: str, *, now: float) -> bool:
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT sender_oin FROM message WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                return False
            conn.execute("DELETE FROM message WHERE id = ?", (message_id,))
            self._enqueue(conn, MESSAGE_DELETED, message_id, [row["sender_oin"]], now)
            return True

    # -- subscriptions ----------------------------------------------------------------------

    def create_subscription(
        self, owner_oin: str, callback_url: str, event_types: Sequence[str]
    ) -> sqlite3.Row | None:
        """The new subscription, or ``None`` when the organisation holds the maximum already."""
        with self.db.transaction() as conn:
            held = conn.execute(
                "SELECT COUNT(*) FROM subscription WHERE owner_oin = ?", (owner_oin,)
            ).fetchone()
            if int(held[0]) >= MAX_SUBSCRIPTIONS_PER_ORGANISATION:
                return None
            subscription_id = str(uuid.uuid4())
            ordered = [kind for kind in EVENT_TYPES if kind in set(event_types)]
            conn.execute(
                "INSERT INTO subscription (id, owner_oin, callback_url, event_types, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (subscription_id, owner_oin, callback_url, json.dumps(ordered), utc_timestamp()),
            )
            row: sqlite3.Row = conn.execute(
                "SELECT * FROM subscription WHERE id = ?", (subscription_id,)
            ).fetchone()
            return row

    def get_subscription(self, subscription_id: str, owner_oin: str) -> sqlite3.Row | None:
        return self.db.query_one(
            "SELECT * FROM subscription WHERE id = ? AND owner_oin = ?",
            (subscription_id, owner_oin),
        )

    def list_subscriptions(
        self, owner_oin: str, *, page: int, page_size: int
    ) -> tuple[list[sqlite3.Row], int]:
        conn = self.db.connection()
        with self.db.transaction(immediate=False):
            total = conn.execute(
                "SELECT COUNT(*) FROM subscription WHERE owner_oin = ?", (owner_oin,)
            ).fetchone()
            rows = conn.execute(
                "SELECT * FROM subscription WHERE owner_oin = ?"
                " ORDER BY created_at DESC, id ASC LIMIT ? OFFSET ?",
                (owner_oin, page_size, (page - 1) * page_size),
            ).fetchall()
        return rows, int(total[0])

    def delete_subscription(self, subscription_id: str, owner_oin: str) -> bool:
        with self.db.transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM subscription WHERE id = ? AND owner_oin = ?",
                (subscription_id, owner_oin),
            )
            return cursor.rowcount > 0

    # -- outbox -----------------------------------------------------------------------------

    def _enqueue(
        self,
        conn: sqlite3.Connection,
        event_type: str,
        message_id: str,
        owners: Iterable[str],
        now: float,
    ) -> None:
        owners = list(dict.fromkeys(owners))
        marks = ", ".join("?" for _ in owners)
        rows = conn.execute(
            f"SELECT id, event_types FROM subscription WHERE owner_oin IN ({marks})", owners
        ).fetchall()
        targets = [row["id"] for row in rows if event_type in json.loads(row["event_types"])]
        if not targets:
            return
        # One event, one id, whichever subscriptions it goes to: subscribers de-duplicate on it.
        event = message_event(
            event_type=event_type,
            message_id=message_id,
            base_url=self.base_url,
            operator_oin=self.operator_oin,
        )
        payload = json.dumps(event, separators=(",", ":"))
        conn.executemany(
            "INSERT INTO outbox (event_id, subscription_id, payload, next_attempt_at)"
            " VALUES (?, ?, ?, ?)",
            [(event["id"], target, payload, now) for target in targets],
        )

    def due_deliveries(self, now: float, *, limit: int, skip: Iterable[int] = ()) -> list[Delivery]:
        """Pending rows due at ``now``: first attempts before retries, each group oldest first,
        so that a fresh event never queues behind the retries of unreachable subscribers."""
        skip = list(skip)
        not_in = f" AND o.seq NOT IN ({', '.join('?' for _ in skip)})" if skip else ""
        rows = self.db.query(
            "SELECT o.seq, o.event_id, o.payload, o.attempts, s.callback_url"
            " FROM outbox o JOIN subscription s ON s.id = o.subscription_id"
            f" WHERE o.state = 'pending' AND o.next_attempt_at <= ?{not_in}"
            " ORDER BY o.attempts > 0, o.next_attempt_at, o.seq LIMIT ?",
            [now, *skip, limit],
        )
        return [
            Delivery(
                seq=row["seq"],
                event_id=row["event_id"],
                callback_url=row["callback_url"],
                payload=row["payload"],
                attempts=row["attempts"],
            )
            for row in rows
        ]

    def next_due_at(self, after: float | None = None) -> float | None:
        """The earliest ``next_attempt_at`` of a pending row (later than ``after``, if given)."""
        sql = "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending'"
        params: list[Any] = []
        if after is not None:
            sql += " AND next_attempt_at > ?"
            params.append(after)
        row = self.db.query_one(sql, params)
        return None if row is None or row[0] is None else float(row[0])

    def mark_delivered(self, seq: int, *, now: float | None = None) -> None:
        finished = time.time() if now is None else now
        self.db.execute(
            "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, delivered_at = ?,"
            " finished_at = ?, last_error = NULL WHERE seq = ?",
            (timestamp_at(finished), finished, seq),
        )

    def mark_retry(self, seq: int, *, next_attempt_at: float, error: str) -> None:
        self.db.execute(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?"
            " WHERE seq = ?",
            (next_attempt_at, error, seq),
        )

    def mark_failed(self, seq: int, *, error: str, now: float | None = None) -> None:
        finished = time.time() if now is None else now
        self.db.execute(
            "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?,"
            " finished_at = ? WHERE seq = ?",
            (error, finished, seq),
        )

    # -- retention --------------------------------------------------------------------------

    def purge(self, now: float, *, outbox_retention: float) -> Purged:
        """Delete outbox rows delivered or given up more than ``outbox_retention`` seconds ago
        and idempotency keys older than the key lifetime. Pending rows are never deleted."""
        outbox_rows = self._delete_in_batches(
            "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox"
            " WHERE finished_at < ? AND state <> 'pending' LIMIT ?)",
            now - outbox_retention,
        )
        keys = self._delete_in_batches(
            "DELETE FROM idempotency_key WHERE rowid IN (SELECT rowid FROM idempotency_key"
            " WHERE created_at < ? LIMIT ?)",
            timestamp_at(now - self.idempotency_ttl),
        )
        return Purged(outbox_rows=outbox_rows, idempotency_keys=keys)

    def _delete_in_batches(self, sql: str, cutoff: float | str) -> int:
        deleted = 0
        while True:
            count = self.db.execute(sql, (cutoff, PURGE_BATCH)).rowcount
            deleted += count
            if count < PURGE_BATCH:
                return deleted
