"""Opening the register's database and bringing its schema up to date.

SQLite by default (one file under the data directory), PostgreSQL for a ``postgresql://`` URL
(driven by psycopg 3). The schema is created and upgraded by the Alembic migrations in
``migrations/`` when the register starts; several instances may start at once over one
PostgreSQL database, so the upgrade runs under a transaction-scoped advisory lock (and over
SQLite under a lock on a file next to the database).
"""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DATABASE_FILE = "register.sqlite3"
# Any fixed 64-bit number: the key of the advisory lock every instance takes to migrate.
_MIGRATION_LOCK = 7_411_220_315_001
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class DatabaseError(Exception):
    """The database URL cannot be used; the message says why."""


def database_url(url: str | None, data_dir: Path) -> str:
    """The SQLAlchemy URL: SQLite under ``data_dir`` by default; psycopg for PostgreSQL."""
    if not url:
        return f"sqlite:///{data_dir / DATABASE_FILE}"
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"not a database URL: {exc}") from None
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if parsed.drivername == "sqlite":
        return url
    raise DatabaseError(
        f"unsupported database {parsed.drivername!r}: give a postgresql:// or sqlite:/// URL"
    )


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    # WAL lets pages read while a publication writes; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # With WAL, NORMAL never corrupts the database; it syncs at checkpoints, not every commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def open_database(url: str) -> Engine:
    """An engine for ``url`` (as made by ``database_url``), the schema upgraded to the head."""
    if url.startswith("sqlite:"):
        path = make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
    try:
        migrate(engine)
    except Exception:
        engine.dispose()
        raise
    return engine


def migrate(engine: Engine) -> None:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    if engine.dialect.name == "sqlite":
        lock_path = Path(str(engine.url.database) + ".migrate-lock")
        with lock_path.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            _upgrade(engine, config)
        return
    _upgrade(engine, config)


def _upgrade(engine: Engine, config: Config) -> None:
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Released at commit: a second instance waits here, then finds the schema current.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
