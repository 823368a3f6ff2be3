"""Serving blocks: the block registry, ``gdi-conformance serve``, child processes and restarts.

The reference blocks are served here as the demo block (``GDI_<BLOCK>_FACTORY``), so these
tests hold whether or not the real blocks are installed.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support.services import running_blocks

import building_blocks.common.registry as registry
from building_blocks.common.process import BlockProcess
from building_blocks.common.server import ServeError
from conformance.cli import main as cli_main

pytestmark = pytest.mark.slow

TESTS_DIR = Path(__file__).resolve().parents[3] / "tests"
DEMO = "support.demo_blocks:create_app"


@pytest.fixture
def demo_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Every block served by the demo implementation, in this process and in children."""
    for block in ("identity", "messaging", "registries"):
        monkeypatch.setenv(f"GDI_{block.upper()}_FACTORY", DEMO)
    paths = [str(TESTS_DIR), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    return dict(os.environ)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=10) as http:
        yield http


# -- registry --------------------------------------------------------------------------------


def test_missing_block_is_not_available(tmp_path, monkeypatch):
    (tmp_path / "blocks_pkg").mkdir()
    (tmp_path / "blocks_pkg" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(registry.BlockNotAvailable, match="messaging building block is not avail"):
        registry.load_block("messaging", package="blocks_pkg")


def test_block_without_create_app_is_not_available_yet(tmp_path, monkeypatch):
    (tmp_path / "blocks_pkg2" / "messaging").mkdir(parents=True)
    (tmp_path / "blocks_pkg2" / "__init__.py").write_text("")
    (tmp_path / "blocks_pkg2" / "messaging" / "__init__.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(registry.BlockNotAvailable, match="has no create_app"):
        registry.load_block("messaging", package="blocks_pkg2")


def test_a_block_that_fails_to_import_is_not_passed_off_as_missing(tmp_path, monkeypatch):
    (tmp_path / "blocks_pkg3" / "messaging").mkdir(parents=True)
    (tmp_path / "blocks_pkg3" / "__init__.py").write_text("")
    (tmp_path / "blocks_pkg3" / "messaging" / "__init__.py").write_text("import not_a_module_x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="not_a_module_x"):
        registry.load_block("messaging", package="blocks_pkg3")


def test_unknown_block_name(monkeypatch):
    with pytest.raises(registry.BlockNotAvailable, match="unknown building block"):
        registry.load_block("payments")


def test_factory_override(demo_env, monkeypatch):
    from support import demo_blocks

    assert registry.load_block("registries") is demo_blocks.create_app
    monkeypatch.setenv("GDI_REGISTRIES_FACTORY", "support.demo_blocks")
    with pytest.raises(registry.BlockNotAvailable, match="module:callable"):
        registry.load_block("registries")
    monkeypatch.setenv("GDI_REGISTRIES_FACTORY", "support.demo_blocks:nothing")
    with pytest.raises(registry.BlockNotAvailable, match="no callable nothing"):
        registry.load_block("registries")


# -- gdi-conformance serve: argument errors (exit 2, one message) ------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "messaging"], "messaging needs --identity URL"),
        (["serve", "all", "--identity", "http://x"], "cannot be combined with 'all'"),
        (["serve", "identity", "--port", "70000"], "not a port number"),
        (["serve", "payments"], "invalid choice"),
    ],
)
def test_serve_refuses_bad_arguments(argv, message, capsys):
    assert cli_main(argv) == 2
    assert message in capsys.readouterr().err


def test_serve_says_when_a_block_is_not_available(monkeypatch, capsys):
    from conformance.cli import serve

    missing = functools.partial(registry.load_block, package="no_such_blocks_package")
    monkeypatch.setattr(serve, "load_block", missing)
    assert cli_main(["serve", "all"]) == 2
    err = capsys.readouterr().err
    assert "the identity building block is not available in this installation" in err
    assert "Traceback" not in err


def test_serve_reports_a_port_in_use(demo_env, tmp_path, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = cli_main(["serve", "identity", "--port", str(port), "--data-dir", str(tmp_path)])
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


# -- gdi-conformance serve as a process ---------------------------------------------------------


def start_cli(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "conformance", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,  # its own process group, like a command run in a terminal
    )


def read_ready_lines(process: subprocess.Popen[str], count: int) -> dict[str, str]:
    assert process.stdout is not None
    urls = {}
    for _ in range(count):
        line = process.stdout.readline().strip()
        assert line, f"serve ended early: {process.stderr.read() if process.stderr else ''}"
        block, url = line.split(" ")
        urls[block] = url
    return urls


def pid_of(*words: str) -> int:
    """The process whose command line holds all ``words`` (Linux /proc)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        text = [arg.decode(errors="replace") for arg in args]
        if all(any(word in arg for arg in text) for word in words):
            return int(entry.name)
    raise LookupError(f"no process with {words}")


def port_is_closed(url: str) -> bool:
    host, port = httpx.URL(url).host, httpx.URL(url).port
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0


def ctrl_c(process: subprocess.Popen[str]) -> None:
    """What a terminal does on Ctrl-C: SIGINT to the whole foreground process group."""
    os.killpg(process.pid, signal.SIGINT)


def sigterm(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)


@pytest.mark.parametrize("stop", [ctrl_c, sigterm])
def test_serve_all_starts_three_wired_blocks_and_stops_cleanly(demo_env, tmp_path, client, stop):
    process = start_cli(["all", "--data-dir", str(tmp_path)], demo_env)
    try:
        urls = read_ready_lines(process, 3)
        assert list(urls) == ["identity", "messaging", "registries"]
        for block, url in urls.items():
            assert url.startswith("http://127.0.0.1:") and url.endswith(f"/{block}/v1")
            assert client.get(url + "/openapi.json").status_code == 200
            assert (tmp_path / block).is_dir()  # each block has its own data folder
        # Wired to identity: the resource servers protect /protected, identity itself has none.
        assert client.get(urls["messaging"] + "/protected").status_code == 401
        assert client.get(urls["registries"] + "/protected").status_code == 401
        assert client.get(urls["identity"] + "/protected").status_code == 404
        stop(process)
        assert process.wait(30) == 0, process.stderr.read() if process.stderr else ""
        assert all(port_is_closed(url) for url in urls.values())
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_one_block_in_process_and_stop(demo_env, tmp_path, client):
    process = start_cli(["identity", "--data-dir", str(tmp_path)], demo_env)
    try:
        url = read_ready_lines(process, 1)["identity"]
        response = client.get(url + "/items")
        assert response.status_code == 200 and response.headers["API-Version"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
        assert port_is_closed(url)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_all_stops_when_a_block_dies(demo_env, tmp_path):
    process = start_cli(["all", "--data-dir", str(tmp_path)], demo_env)
    try:
        urls = read_ready_lines(process, 3)
        pid = pid_of("building_blocks.common.server", "registries", str(tmp_path))
        os.kill(pid, signal.SIGKILL)
        assert process.wait(30) == 2
        assert process.stderr is not None
        assert "the registries block stopped unexpectedly" in process.stderr.read()
        assert all(port_is_closed(url) for url in urls.values())
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


# -- the test-support helpers ---------------------------------------------------------------


def test_killed_block_restarts_on_its_port_with_its_data(demo_env, tmp_path, client):
    with running_blocks(tmp_path, ("identity", "messaging")) as blocks:
        base = blocks.base_url("messaging")
        assert client.post(base + "/notes", json={"text": "durable"}).status_code == 201
        blocks.kill("messaging")
        assert port_is_closed(base)
        assert blocks.start("messaging") == base
        assert client.get(base + "/notes").json() == {"notes": [{"id": 1, "text": "durable"}]}
        assert blocks.stop("messaging") == 0


def test_a_block_that_cannot_start_reports_its_log(demo_env, tmp_path, monkeypatch):
    monkeypatch.setenv("GDI_IDENTITY_FACTORY", "support.demo_blocks:no_such_factory")
    process = BlockProcess(
        "identity", data_dir=tmp_path, log_path=tmp_path / "identity.log", env=dict(os.environ)
    )
    with pytest.raises(ServeError, match="exited with code 2 before it was ready") as caught:
        process.start(timeout=30)
    assert "no callable no_such_factory" in str(caught.value)


def test_children_do_not_outlive_a_killed_parent(demo_env, tmp_path):
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from building_blocks.common.process import BlockProcess
        process = BlockProcess("identity", data_dir=Path({str(tmp_path)!r}))
        process.start()
        print(process.pid, process.base_url, flush=True)
        input()
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=demo_env,
    )
    assert parent.stdout is not None
    _, url = parent.stdout.readline().split()
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 15
    while not port_is_closed(url):
        assert time.monotonic() < deadline, "the block kept running after its parent died"
        time.sleep(0.1)


def test_a_resource_server_can_run_against_a_stand_in_issuer(demo_env, tmp_path, client):
    from support.issuer import fake_issuer

    with (
        fake_issuer() as issuer,
        running_blocks(tmp_path, ("messaging",), identity_url=issuer.identity_url) as blocks,
    ):
        token = issuer.token(scope="demo:read", aud="urn:nld:gdi:demo", sub="harness-tweede-org")
        response = client.get(
            blocks.base_url("messaging") + "/protected",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["sub"] == "harness-tweede-org"
        assert blocks.identity_url == issuer.identity_url


# -- latency ---------------------------------------------------------------------------------


def test_the_listening_socket_turns_nagle_off_for_its_connections():
    from building_blocks.common.server import bind_socket

    sock = bind_socket("127.0.0.1", 0)
    try:
        # asyncio sets TCP_NODELAY on accepted connections only when the socket says TCP.
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        sock.close()


def test_a_kept_alive_connection_answers_without_delayed_ack_stalls(demo_env, tmp_path, client):
    # With Nagle's algorithm on, each answer on a kept-alive connection (headers and body are
    # two writes) waited for the client's delayed ACK: 40 ms or more per request.
    requests = 25
    with running_blocks(tmp_path, ("identity",)) as blocks:
        url = blocks.base_url("identity") + "/openapi.json"
        client.get(url)  # connect (and warm up) first
        started = time.monotonic()
        for _ in range(requests):
            assert client.get(url).status_code == 200
        elapsed = time.monotonic() - started
    assert elapsed < requests * 0.040 * 0.75, f"{requests} requests took {elapsed:.2f}s"


# -- several blocks in one process -----------------------------------------------------------


def test_several_blocks_share_one_process_and_crash_and_restart_together(
    demo_env, tmp_path, client
):
    process = BlockProcess(
        "identity",
        also=("messaging",),
        data_dir=tmp_path / "data",
        log_path=tmp_path / "blocks.log",
        env=demo_env,
    )
    process.start()
    urls = dict(process.base_urls)
    try:
        assert set(urls) == {"identity", "messaging"} and process.base_url == urls["identity"]
        assert urls["identity"].endswith("/identity/v1")
        # Wired to the identity block beside it: the token-checking route exists (401, not 404).
        assert client.get(urls["messaging"] + "/protected").status_code == 401
        assert (
            client.post(urls["messaging"] + "/notes", json={"text": "durable"}).status_code == 201
        )
        first = process.pid
        process.kill()
        assert process.returncode == -signal.SIGKILL
        assert port_is_closed(urls["identity"]) and port_is_closed(urls["messaging"])
        process.start()
        assert process.base_urls == urls and process.pid != first  # same ports, new process
        notes = client.get(urls["messaging"] + "/notes").json()
        assert notes == {"notes": [{"id": 1, "text": "durable"}]}
    finally:
        code = process.stop()
    assert code == 0  # SIGTERM stops every server of the process, then it exits normally
    assert port_is_closed(urls["identity"]) and port_is_closed(urls["messaging"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["identity", "messaging", "--port", "1", "--data-dir", "x"], "--port once per block"),
        (["identity", "identity", "--data-dir", "x"], "each block once"),
        (["messaging", "registries", "--data-dir", "x"], "give the identity block's URL"),
    ],
)
def test_several_blocks_refuse_bad_arguments(argv, message, demo_env, tmp_path, capsys):
    from building_blocks.common.server import main as server_main

    argv = [item if item != "x" else str(tmp_path / "data") for item in argv]
    with pytest.raises(SystemExit) if "--port" in argv else contextlib.nullcontext():
        assert server_main(argv) == 2
    assert message in capsys.readouterr().err
