"""SQLite for the building blocks: WAL, a busy timeout, one connection per thread, migrations.

Usage in a block::

    db = Database(settings.data_dir / "messaging.sqlite3", MIGRATIONS)
    with db.transaction() as conn:            # BEGIN IMMEDIATE ... COMMIT / ROLLBACK
        conn.execute("INSERT INTO message ...", (...))
    rows = db.query("SELECT ... WHERE id = ?", (message_id,))
    db.close()                                # at shutdown (e.g. in the app's lifespan)

``MIGRATIONS`` is a sequence of SQL scripts (or callables taking the connection); entry ``i``
brings the schema to version ``i + 1``. Applied versions are recorded in ``schema_version``, each
migration in its own transaction, so a restart applies only the new ones.

Durability: WAL with ``synchronous=NORMAL`` keeps every committed transaction when the process is
killed (the WAL is already in the operating system's hands); only a power loss could lose the
latest commits. Pass ``synchronous="FULL"`` to cover that as well.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Migration = str | Callable[[sqlite3.Connection], None]

_SCHEMA_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY,"
    " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"
)


def split_statements(script: str) -> list[str]:
    """Split a SQL script into complete statements (triggers with inner ``;`` stay whole)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        # An unterminated last statement is still executed; sqlite reports it if it is broken.
        statements.append(buffer.strip())
    return statements


class Database:
    def __init__(
        self,
        path: Path,
        migrations: Sequence[Migration] = (),
        *,
        busy_timeout_ms: int = 10_000,
        synchronous: str = "NORMAL",
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._busy_timeout_ms = busy_timeout_ms
        if synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"unknown synchronous mode {synchronous!r}")
        self._synchronous = synchronous.upper()
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        self.migrate(migrations)

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise RuntimeError(f"database {self.path.name} is closed")
            conn = self._open()
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def _open(self) -> sqlite3.Connection:
        # isolation_level=None: no implicit transactions; ``transaction()`` says BEGIN itself.
        conn = sqlite3.connect(
            self.path,
            timeout=self._busy_timeout_ms / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        conn.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    @contextmanager
    def transaction(self, *, immediate: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction: committed when the block exits normally, rolled back on an exception.

        ``immediate`` takes the write lock at BEGIN, so two writers never deadlock on upgrade.
        Nested use joins the outer transaction.
        """
        conn = self.connection()
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        return self.connection().execute(sql, params).fetchall()

    def query_one(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.connection().execute(sql, params).fetchone()
        return row

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        """One statement in its own transaction."""
        with self.transaction() as conn:
            return conn.execute(sql, params)

    def schema_version(self) -> int:
        conn = self.connection()
        conn.execute(_SCHEMA_VERSION_TABLE)
        row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
        return int(row[0])

    def migrate(self, migrations: Sequence[Migration]) -> int:
        """Apply the migrations not applied yet; returns the resulting schema version."""
        for number, migration in enumerate(migrations, start=1):
            if self.schema_version() >= number:
                continue
            with self.transaction() as conn:
                # Re-checked under the write lock: another process may have migrated meanwhile.
                row = conn.execute(
                    "SELECT COALESCE(MAX(version), 0) FROM schema_version"
                ).fetchone()
                if int(row[0]) >= number:
                    continue
                if callable(migration):
                    migration(conn)
                else:
                    for statement in split_statements(migration):
                        conn.execute(statement)
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))
        return self.schema_version()

    def close(self) -> None:
        """Close every thread's connection (call once, at shutdown)."""
        with self._lock:
            self._closed = True
            connections, self._all = self._all, []
        for conn in connections:
            conn.close()
        self._local = threading.local()
