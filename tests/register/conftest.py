"""Fixtures of the register tests: every test that takes ``database_url`` runs twice, on SQLite
and on PostgreSQL (a throwaway cluster of Debian's postgresql, started once per test process on
a free loopback port, one fresh database per test)."""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from register_env import ADMIN_TOKEN, VENDOR, Register
from register_signing import pem
from support.ports import free_port as _free_port
from support.services import serve_asgi

from conformance.register import access
from conformance.register.app import Settings, create_app
from conformance.register.database import database_url as sqlite_url
from conformance.register.database import open_database


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.slow)  # every register test runs a real server


def _postgres_bin() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass
class Cluster:
    port: int
    names: itertools.count  # type: ignore[type-arg]

    def admin_url(self) -> str:
        return f"postgresql://register@127.0.0.1:{self.port}/postgres"

    def new_database(self) -> str:
        import psycopg

        name = f"register_{next(self.names)}"
        with psycopg.connect(self.admin_url(), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return f"postgresql://register@127.0.0.1:{self.port}/{name}"


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    binaries = _postgres_bin()
    if binaries is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed (.ci/run installs it)")
        pytest.skip("PostgreSQL (initdb, pg_ctl) is not installed")
    # PostgreSQL refuses to run as root: then the cluster belongs to the postgres user, in a
    # folder of its own that user can reach (pytest's tmp_path is private to root).
    as_root = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="gdi-register-pg-"))
    prefix: list[str] = []
    if as_root:
        owner = pwd.getpwnam("postgres")
        os.chmod(folder, 0o700)
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    log = folder / "server.log"

    def run(*command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*prefix, *command], capture_output=True, text=True, timeout=120, check=False
        )

    done = run(
        str(binaries / "initdb"), "-D", str(data), "-U", "register", "--auth=trust",
        "-E", "UTF8", "--no-sync",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    port = _free_port()
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    done = run(str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w",
               "-t", "60", "start")  # fmt: skip
    assert done.returncode == 0, done.stderr + (log.read_text() if log.exists() else "")
    try:
        yield Cluster(port=port, names=itertools.count(1))
    finally:
        run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(None, tmp_path / "register-data")
    cluster: Cluster = request.getfixturevalue("postgres_cluster")
    return cluster.new_database()


def start_register(database_url: str, settings: Settings | None = None) -> tuple[object, object]:
    engine = open_database(database_url)
    access.ensure_admin_token(engine, ADMIN_TOKEN)
    return engine, create_app(engine, settings)


@pytest.fixture
def register_settings() -> Settings:
    return Settings(max_upload_bytes=2 * 1024 * 1024)


@pytest.fixture
def register(database_url: str, register_settings: Settings) -> Iterator[Register]:
    """A register serving on loopback, with one trusted authority key and a token of Acme BV."""
    engine, app = start_register(database_url, register_settings)
    authority = Ed25519PrivateKey.generate()
    with serve_asgi(app) as origin:
        with httpx.Client(base_url=origin, timeout=30) as client:
            admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
            body = {"publicKey": pem(authority), "kind": "authority", "label": "Test CA"}
            assert client.post("/api/v1/keys", json=body, headers=admin).status_code == 201
            answer = client.post("/api/v1/vendor-tokens", json={"vendor": VENDOR}, headers=admin)
            assert answer.status_code == 201, answer.text
        yield Register(origin, database_url, authority, answer.json()["token"], engine)
