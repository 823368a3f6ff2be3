"""SQLite helpers: WAL, migrations by version, transactions, threads, durability on SIGKILL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading

import pytest

from building_blocks.common.storage import Database, split_statements

SCHEMA = [
    "CREATE TABLE message (id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
    """
    CREATE TABLE audit (id INTEGER PRIMARY KEY, message_id INTEGER REFERENCES message(id));
    CREATE TRIGGER audit_insert AFTER INSERT ON message BEGIN
        INSERT INTO audit (message_id) VALUES (new.id);
    END;
    """,
]


def journal_mode(conn: sqlite3.Connection) -> str:
    return str(conn.execute("PRAGMA journal_mode").fetchone()[0])


def test_connections_use_wal_and_a_busy_timeout(tmp_path):
    db = Database(tmp_path / "a.sqlite3")
    conn = db.connection()
    assert journal_mode(conn) == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    db.close()


def test_a_plain_connection_is_not_wal(tmp_path):
    with sqlite3.connect(tmp_path / "plain.sqlite3") as conn:
        assert journal_mode(conn) != "wal"


def test_migrations_apply_once_in_order(tmp_path):
    path = tmp_path / "m.sqlite3"
    db = Database(path, SCHEMA[:1])
    assert db.schema_version() == 1
    db.close()
    db = Database(path, SCHEMA)  # a later release adds the second migration
    assert db.schema_version() == 2
    assert [row[0] for row in db.query("SELECT version FROM schema_version ORDER BY 1")] == [1, 2]
    db.execute("INSERT INTO message (body) VALUES ('hi')")
    assert db.query_one("SELECT COUNT(*) FROM audit")[0] == 1  # the trigger survived splitting
    db.close()
    Database(path, SCHEMA).close()  # nothing left to apply: no "table already exists"


def test_rerunning_scripts_without_the_version_table_fails(tmp_path):
    # The counterpart: applying the scripts again on every start breaks the second start.
    conn = sqlite3.connect(tmp_path / "naive.sqlite3")
    conn.executescript(SCHEMA[0])
    with pytest.raises(sqlite3.OperationalError, match="already exists"):
        conn.executescript(SCHEMA[0])
    conn.close()


def test_a_failing_migration_leaves_no_trace(tmp_path):
    path = tmp_path / "f.sqlite3"
    broken = [SCHEMA[0], "CREATE TABLE half (id INTEGER);\nINSERT INTO nowhere VALUES (1);"]
    with pytest.raises(sqlite3.OperationalError, match="nowhere"):
        Database(path, broken)
    db = Database(path)
    assert db.schema_version() == 1
    tables = {row[0] for row in db.query("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "half" not in tables and "message" in tables
    db.close()


def test_callable_migrations(tmp_path):
    def add_column(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE message ADD COLUMN sender TEXT")

    db = Database(tmp_path / "c.sqlite3", [SCHEMA[0], add_column])
    db.execute("INSERT INTO message (body, sender) VALUES ('x', 'y')")
    assert db.query_one("SELECT sender FROM message")["sender"] == "y"
    db.close()


def test_transaction_commits_or_rolls_back(tmp_path):
    db = Database(tmp_path / "t.sqlite3", SCHEMA[:1])
    with db.transaction() as conn:
        conn.execute("INSERT INTO message (body) VALUES ('kept')")
    with pytest.raises(RuntimeError), db.transaction() as conn:
        conn.execute("INSERT INTO message (body) VALUES ('dropped')")
        raise RuntimeError("abort")
    assert [row["body"] for row in db.query("SELECT body FROM message")] == ["kept"]
    with db.transaction() as outer:
        outer.execute("INSERT INTO message (body) VALUES ('outer')")
        with db.transaction() as inner:  # joins the outer transaction
            inner.execute("INSERT INTO message (body) VALUES ('inner')")
    assert db.query_one("SELECT COUNT(*) FROM message")[0] == 3
    db.close()


def test_threads_get_their_own_connection_and_writers_wait(tmp_path):
    db = Database(tmp_path / "w.sqlite3", SCHEMA[:1])
    connections: set[int] = set()
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            connections.add(id(db.connection()))
            for number in range(100):
                with db.transaction() as conn:
                    conn.execute("INSERT INTO message (body) VALUES (?)", (f"{name}-{number}",))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"t{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(connections) == 4
    assert db.query_one("SELECT COUNT(*) FROM message")[0] == 400
    db.close()
    with pytest.raises(RuntimeError, match="closed"):
        db.connection()


@pytest.mark.slow
def test_committed_data_survives_sigkill(tmp_path):
    path = tmp_path / "d.sqlite3"
    script = textwrap.dedent(
        f"""
        import os, sys
        from building_blocks.common.storage import Database
        db = Database({str(path)!r}, ["CREATE TABLE message (id INTEGER PRIMARY KEY, body TEXT);"])
        for n in range(50):
            with db.transaction() as conn:
                conn.execute("INSERT INTO message (body) VALUES (?)", (str(n),))
        print("committed", flush=True)
        sys.stdin.read()  # wait to be killed, connection still open
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "committed"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    db = Database(path)
    assert db.query_one("SELECT COUNT(*) FROM message")[0] == 50
    db.close()


def test_split_statements_keeps_triggers_whole():
    statements = split_statements(SCHEMA[1])
    assert len(statements) == 2
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")


def test_unknown_synchronous_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="synchronous"):
        Database(tmp_path / "s.sqlite3", synchronous="SOMETIMES")
