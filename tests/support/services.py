"""Run reference building blocks for a test: real uvicorn, real HTTP on loopback.

Two ways in:

``running_blocks(tmp_path, blocks)`` starts blocks as child processes
(``python -m building_blocks.common.server``), each on a free 127.0.0.1 port with its data under
``tmp_path/data/<block>`` and its stderr in ``tmp_path/logs/<block>.log``; identity starts first
and the others are wired to it (or to ``identity_url`` when identity is not among ``blocks``).
It waits until every block answers, yields a ``RunningBlocks`` and stops them all at the end
(SIGTERM, then SIGKILL)::

    from support.services import running_blocks

    @pytest.fixture
    def services(tmp_path):
        with running_blocks(tmp_path, ("identity", "messaging")) as blocks:
            yield blocks

    def test_durable(services):
        base = services.base_url("messaging")      # http://127.0.0.1:PORT/messaging/v1
        ...                                        # send a message
        services.kill("messaging")                 # SIGKILL: no shutdown code runs
        services.start("messaging")                # same port, same data directory
        ...                                        # the message is still there

``serve_threaded(server)`` serves a standard-library ``http.server`` server (a small handler a
test writes itself) in a thread and yields its origin; ``before_shutdown`` runs first (to
release handlers that wait).

``serve_asgi(app)`` runs an ASGI app (any, e.g. a ``create_app`` result built in the test) under
uvicorn in a thread of the test process and yields its origin ``http://127.0.0.1:PORT``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import HTTPServer
from pathlib import Path
from typing import Any

import uvicorn

from building_blocks.common.process import BlockProcess, start_all, stop_all
from building_blocks.common.server import bind_socket

ALL_BLOCKS = ("identity", "messaging", "registries")


@dataclass
class RunningBlocks:
    processes: dict[str, BlockProcess]
    data_dir: Path
    log_dir: Path
    identity_url: str | None = None
    _stopped: set[str] = field(default_factory=set)

    def base_url(self, block: str) -> str:
        """``http://127.0.0.1:PORT/<block>/v1``."""
        url = self.processes[block].base_url
        assert url is not None, f"{block} is not running"
        return url

    def process(self, block: str) -> BlockProcess:
        return self.processes[block]

    def log(self, block: str) -> str:
        """What the block wrote to stderr so far."""
        path = self.log_dir / f"{block}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def kill(self, block: str) -> None:
        """SIGKILL the block's process (a crash: no shutdown code runs)."""
        self.processes[block].kill()

    def stop(self, block: str) -> int | None:
        """Graceful stop (SIGTERM); returns the exit code."""
        return self.processes[block].stop()

    def start(self, block: str, timeout: float = 60.0) -> str:
        """(Re)start a stopped or killed block on its previous port and data directory."""
        return self.processes[block].start(timeout)

    def restart(self, block: str, timeout: float = 60.0) -> str:
        return self.processes[block].restart(timeout)


@contextmanager
def running_blocks(
    tmp_path: Path,
    blocks: Sequence[str] = ALL_BLOCKS,
    *,
    enable_test_login: bool = True,
    identity_url: str | None = None,
    timeout: float = 60.0,
) -> Iterator[RunningBlocks]:
    data_dir = tmp_path / "data"
    log_dir = tmp_path / "logs"
    if "identity" in blocks or identity_url is None:
        processes = start_all(
            data_dir=data_dir,
            enable_test_login=enable_test_login,
            log_dir=log_dir,
            blocks=tuple(blocks),
            timeout=timeout,
        )
    else:
        processes = {}
        try:
            for block in blocks:
                processes[block] = BlockProcess(
                    block,
                    data_dir=data_dir,
                    identity_url=identity_url,
                    enable_test_login=enable_test_login,
                    log_path=log_dir / f"{block}.log",
                )
                processes[block].start(timeout)
        except BaseException:
            stop_all(processes)
            raise
    identity = processes.get("identity")
    running = RunningBlocks(
        processes=processes,
        data_dir=data_dir,
        log_dir=log_dir,
        identity_url=identity.base_url if identity is not None else identity_url,
    )
    try:
        yield running
    finally:
        stop_all(processes)


@contextmanager
def serve_asgi(app: Any, *, host: str = "127.0.0.1", timeout: float = 10.0) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a background thread; yields ``http://host:port``."""
    sock = bind_socket(host, 0)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, server_header=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the app did not start under uvicorn")
            time.sleep(0.01)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()


@contextmanager
def serve_threaded(
    server: HTTPServer, before_shutdown: Callable[[], object] = lambda: None
) -> Iterator[str]:
    """Serve ``server`` in a background thread; yields ``http://127.0.0.1:PORT``."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        before_shutdown()
        server.shutdown()
        server.server_close()
        thread.join(10)
