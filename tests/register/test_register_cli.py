"""The commands: ``register serve`` as its own process (migrating on start, two instances side
by side over one PostgreSQL database), ``publish`` of what a run or certify wrote, and the
register's own API linted and run against with ``gdi-conformance run --spec``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from register_env import ADMIN_TOKEN, Register
from register_signing import Signed, pem, signed

from conformance.cli import main as cli_main

CONFORMANCE = [sys.executable, "-m", "conformance"]
SPEC = Path(__file__).resolve().parents[2] / "conformance" / "register" / "openapi.yaml"


def write_reports(folder: Path, *items: Signed, blocks: tuple[str, ...] = ("messaging",)) -> Path:
    """A folder laid out as ``certify`` writes it: <folder>/<block>/{certificate,report}.json."""
    for block, item in zip(blocks, items, strict=True):
        (folder / block).mkdir(parents=True)
        (folder / block / "certificate.json").write_bytes(item.certificate)
        (folder / block / "report.json").write_text(json.dumps(item.report, indent=2))
    return folder


def start(tmp_path: Path, name: str, *options: str) -> tuple[subprocess.Popen[bytes], Path]:
    """``register serve`` in a process of its own, its output in ``tmp_path/<name>.log``."""
    log = tmp_path / f"{name}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [*CONFORMANCE, "register", "serve", "--port", "0", *options],
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    return process, log


def answering(process: subprocess.Popen[bytes], log: Path) -> str:
    """The origin of a started register, once it answers requests."""
    deadline = time.monotonic() + 60
    origin = None
    while origin is None:
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        for line in log.read_text().splitlines():
            if line.startswith("register http://"):
                origin = line.split(" ", 1)[1]
        time.sleep(0.05)
    while True:  # the address is printed just before uvicorn serves: poll until it answers
        try:
            httpx.get(origin + "/api/v1/overview", timeout=5)
            return origin
        except httpx.TransportError:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)


def stop(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM, as a service manager stops it; the exit code (SIGKILL after 20 s)."""
    process.terminate()
    try:
        return process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


@contextmanager
def serving(tmp_path: Path, name: str, *options: str) -> Iterator[str]:
    process, log = start(tmp_path, name, *options)
    try:
        yield answering(process, log)
    finally:
        stop(process)


def test_publish_sends_what_certify_wrote_once(
    register: Register, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = write_reports(
        tmp_path / "reports",
        signed(register.authority, run=1),
        signed(register.authority, run=2),
        blocks=("messaging", "registries"),
    )
    command = ["publish", "--register", register.origin, "--token", register.vendor_token]
    assert cli_main([*command, str(reports)]) == 0
    out = capsys.readouterr().out
    assert out.count(": published: ") == 2
    assert cli_main([*command, str(reports / "messaging")]) == 0
    assert "already published" in capsys.readouterr().out
    with register.client() as client:
        assert len(client.get("/api/v1/products/acme-bv/acme-berichten").json()["blocks"]) == 1
    stranger = write_reports(tmp_path / "other", signed(Ed25519PrivateKey.generate(), run=3))
    assert cli_main([*command, str(stranger)]) == 1
    assert "does not trust" in capsys.readouterr().err
    wrong = ["publish", "--register", register.origin, "--token", "gdir_nope", str(reports)]
    assert cli_main(wrong) == 2
    err = capsys.readouterr().err
    assert "does not accept this token" in err and "gdir_nope" not in err
    assert cli_main([*command, str(tmp_path / "empty-does-not-exist")]) == 2


def test_serve_migrates_bootstraps_and_publishes_on_start(
    database_url: str, tmp_path: Path
) -> None:
    key = Ed25519PrivateKey.generate()
    reports = write_reports(tmp_path / "reports", signed(key))
    (reports / "signing-key.pub.pem").write_text(pem(key))
    token_file = tmp_path / "admin-token"
    token_file.write_text(ADMIN_TOKEN + "\n")
    options = [
        "--database", database_url,
        "--admin-token-file", str(token_file),
        "--trust-key", str(reports / "signing-key.pub.pem"),
        "--publish", str(reports),
    ]  # fmt: skip
    with serving(tmp_path, "serve", *options) as origin:
        cells = httpx.get(origin + "/api/v1/overview").json()["cells"]
        assert [cell["product"]["name"] for cell in cells] == ["Acme Berichten"]
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        made = httpx.post(
            origin + "/api/v1/vendor-tokens", json={"vendor": "Acme BV"}, headers=admin
        )
        assert made.status_code == 201
    # Started again over the same database: nothing is migrated twice or published twice.
    with serving(tmp_path, "again", *options) as origin:
        assert len(httpx.get(origin + "/api/v1/overview").json()["cells"]) == 1


def test_two_instances_over_one_postgresql_database_work_side_by_side(
    postgres_cluster: object, tmp_path: Path
) -> None:
    url = postgres_cluster.new_database()  # type: ignore[attr-defined]
    token_file = tmp_path / "admin-token"
    token_file.write_text(ADMIN_TOKEN)
    options = ("--database", url, "--admin-token-file", str(token_file))
    # Both start (and migrate) at the same moment: the advisory lock lets one migrate.
    started = [start(tmp_path, name, *options) for name in ("one", "two")]
    try:
        first, second = (answering(process, log) for process, log in started)
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        key = Ed25519PrivateKey.generate()
        body = {"publicKey": pem(key), "kind": "authority", "label": "CA"}
        assert httpx.post(first + "/api/v1/keys", json=body, headers=admin).status_code == 201
        item = signed(key).body()
        answers = [
            httpx.post(origin + "/api/v1/publications", json=item, headers=admin, timeout=30)
            for origin in (second, first)
        ]
        assert [answer.status_code for answer in answers] == [201, 200]
        for origin in (first, second):
            assert len(httpx.get(origin + "/api/v1/overview").json()["cells"]) == 1
    finally:
        codes = [stop(process) for process, _log in started]
    assert codes == [0, 0], "SIGTERM stops the register cleanly"


def test_the_registers_own_api_passes_lint() -> None:
    lint = subprocess.run(
        [*CONFORMANCE, "lint", str(SPEC)], capture_output=True, text=True, timeout=300, check=False
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_the_registers_own_api_passes_a_conformance_run(register: Register, tmp_path: Path) -> None:
    with register.client(register.vendor_token) as client:
        for run in (1, 2):
            item = signed(register.authority, run=run, failed=("GDI-MSG-001",) * (run - 1))
            assert client.post("/api/v1/publications", json=item.body()).status_code == 201
    out = tmp_path / "run"
    done = subprocess.run(
        [
            *CONFORMANCE,
            "run",
            "--spec",
            str(SPEC),
            "--base-url",
            register.api,
            "--seed",
            "1",
            "--max-examples",
            "5",
            # The admin may use every operation: without credentials the secured ones answer
            # only 401, and requirements about them would rightly not be executed.
            "--header",
            f"Authorization: Bearer {ADMIN_TOKEN}",
            "--report-dir",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    report = json.loads((out / "report.json").read_text())
    outcomes = {item["id"]: item["outcome"] for item in report["requirements"]}
    assert outcomes["GDI-GEN-001"] == outcomes["GDI-GEN-005"] == "passed"
    assert outcomes["GDI-GEN-013"] == "passed"


def test_serve_and_publish_say_what_stops_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    serve = ["register", "serve", "--data-dir", str(tmp_path), "--port", "0"]
    assert cli_main([*serve, "--database", "mysql://register@127.0.0.1/x"]) == 2
    assert "unsupported database 'mysql'" in capsys.readouterr().err
    closed = f"postgresql://register@127.0.0.1:{_closed_port()}/register"
    assert cli_main([*serve, "--database", closed]) == 2
    assert "cannot open the database" in capsys.readouterr().err
    short = tmp_path / "short-token"
    short.write_text("too-short")
    assert cli_main([*serve, "--admin-token-file", str(short)]) == 2
    assert "at least 20 characters" in capsys.readouterr().err
    reports = write_reports(tmp_path / "reports", signed(Ed25519PrivateKey.generate()))
    publish = ["publish", "--register", f"http://127.0.0.1:{_closed_port()}", "--token", "t"]
    assert cli_main([*publish, str(reports)]) == 2
    assert "cannot reach the register" in capsys.readouterr().err


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
