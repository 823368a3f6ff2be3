"""Building blocks as child processes: start, wait until ready, stop, kill, restart.

Used by ``gdi-conformance serve all`` and by the test suite. Each child runs
``python -m building_blocks.common.server`` and announces ``<block> <base-url>`` on its stdout
when it accepts requests; anything it prints later is passed to ``on_output``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from building_blocks.common.server import Introspection, ServeError


class BlockProcess:
    """One block in a child process. ``base_url`` is set once ``start`` returns.

    With ``also``, further blocks are served by the same process (one port each, resource
    servers wired to an identity block among them): ``base_urls`` holds every block's URL, and
    killing or restarting the process does so to all of them.
    """

    def __init__(
        self,
        block: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        data_dir: Path,
        identity_url: str | None = None,
        enable_test_login: bool = False,
        log_path: Path | None = None,
        env: Mapping[str, str] | None = None,
        on_output: Callable[[str], None] | None = None,
        also: Sequence[str] = (),
        introspection: Mapping[str, Introspection] | None = None,
    ) -> None:
        self.block = block
        self.introspection = dict(introspection or {})
        self.blocks = (block, *also)
        self.host = host
        self.port = port
        self.ports = {name: port if name == block else 0 for name in self.blocks}
        self.base_urls: dict[str, str] = {}
        self.data_dir = Path(data_dir)
        self.identity_url = identity_url
        self.enable_test_login = enable_test_login
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.on_output = on_output
        self.base_url: str | None = None
        self.popen: subprocess.Popen[str] | None = None
        self._ready = threading.Event()
        self._reader: threading.Thread | None = None

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "building_blocks.common.server", *self.blocks]
        cmd += ["--host", self.host]
        for name in self.blocks:
            cmd += ["--port", str(self.port if name == self.block else self.ports[name])]
        cmd += ["--data-dir", str(self.data_dir)]
        if self.identity_url:
            cmd += ["--identity", self.identity_url]
        if self.enable_test_login:
            cmd.append("--enable-test-login")
        for name, client in self.introspection.items():
            if name in self.blocks:
                cmd += ["--introspection", f"{name}={client.client_id}:{client.key}"]
        cmd.append("--exit-with-parent")
        return cmd

    @property
    def pid(self) -> int | None:
        return None if self.popen is None else self.popen.pid

    @property
    def returncode(self) -> int | None:
        return None if self.popen is None else self.popen.poll()

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    @property
    def origin(self) -> str:
        """``http://host:port`` of the running block."""
        if self.base_url is None:
            raise RuntimeError(f"{self.block} has not been started")
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def spawn(self) -> None:
        """Start the child without waiting (see ``wait_ready``)."""
        if self.alive:
            raise RuntimeError(f"{self.block} is already running")
        self._ready.clear()
        stderr: IO[str] | None = None
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            stderr = self.log_path.open("a", encoding="utf-8")
        env = dict(os.environ if self.env is None else self.env)
        env.setdefault("PYTHONUNBUFFERED", "1")
        try:
            self.popen = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                env=env,
                # Own session: a Ctrl-C in the terminal reaches only the parent, which then
                # stops the children in order (resource servers before identity).
                start_new_session=True,
            )
        finally:
            if stderr is not None:
                stderr.close()  # the child holds its own copy
        self._reader = threading.Thread(
            target=self._read_stdout, args=(self.popen,), name=f"{self.block}-stdout", daemon=True
        )
        self._reader.start()

    def _read_stdout(self, popen: subprocess.Popen[str]) -> None:
        assert popen.stdout is not None
        announced: dict[str, str] = {}
        for line in popen.stdout:
            line = line.rstrip("\n")
            name, _, url = line.partition(" ")
            if not self._ready.is_set() and name in self.blocks and name not in announced:
                announced[name] = url.strip()
                if len(announced) == len(self.blocks):
                    self.base_urls = announced
                    self.base_url = announced[self.block]
                    self._ready.set()
            elif self.on_output is not None:
                self.on_output(line)

    def wait_ready(self, timeout: float = 60.0) -> str:
        """Block until the child announced its base URL; ``ServeError`` if it died or hung."""
        assert self.popen is not None
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.05):
            if self.popen.poll() is not None:
                # Let the reader drain: the announcement may be in the pipe still.
                if self._reader is not None:
                    self._reader.join(1)
                if self._ready.is_set():
                    break
                raise ServeError(
                    f"the {self.block} block exited with code {self.popen.returncode} "
                    f"before it was ready{self._log_hint()}"
                )
            if time.monotonic() > deadline:
                self.kill()
                raise ServeError(f"the {self.block} block was not ready after {timeout:.0f}s")
        assert self.base_url is not None
        # A restart on port 0 keeps the port it was given first, so clients keep working.
        self.port = urlsplit(self.base_url).port or self.port
        for name, url in self.base_urls.items():
            self.ports[name] = urlsplit(url).port or self.ports[name]
        return self.base_url

    def _log_hint(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        tail = self.log_path.read_text(encoding="utf-8", errors="replace").strip()[-2000:]
        return f"; its log ({self.log_path.name}) ends with:\n{tail}" if tail else ""

    def start(self, timeout: float = 60.0) -> str:
        self.spawn()
        return self.wait_ready(timeout)

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL if it has not finished within ``timeout`` seconds."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._join_reader()
        return self.popen.returncode

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs (what a crash looks like)."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()
        self._join_reader()

    def restart(self, timeout: float = 60.0) -> str:
        """Stop (if running) and start again on the same port and data directory."""
        self.stop()
        return self.start(timeout)

    def _join_reader(self) -> None:
        if self._reader is not None:
            self._reader.join(2)
        if self.popen is not None and self.popen.stdout is not None:
            self.popen.stdout.close()


def start_all(
    *,
    data_dir: Path,
    host: str = "127.0.0.1",
    port: int = 0,
    enable_test_login: bool = False,
    log_dir: Path | None = None,
    on_ready: Callable[[str, str], None] | None = None,
    on_output: Callable[[str], None] | None = None,
    blocks: Sequence[str] = ("identity", "messaging", "registries"),
    timeout: float = 60.0,
) -> dict[str, BlockProcess]:
    """Identity first, then the others wired to it (started together). With ``port`` > 0 the
    blocks get ``port``, ``port + 1``, ... in the order of ``blocks``.

    On failure every started child is stopped before ``ServeError`` is raised.
    """
    processes: dict[str, BlockProcess] = {}

    def make(block: str, index: int, identity_url: str | None) -> BlockProcess:
        return BlockProcess(
            block,
            host=host,
            port=port + index if port else 0,
            data_dir=data_dir,
            identity_url=identity_url,
            enable_test_login=enable_test_login,
            log_path=None if log_dir is None else log_dir / f"{block}.log",
            on_output=on_output,
        )

    try:
        identity_url: str | None = None
        if "identity" in blocks:
            identity = processes["identity"] = make("identity", blocks.index("identity"), None)
            identity_url = identity.start(timeout)
            if on_ready:
                on_ready("identity", identity_url)
        others = [block for block in blocks if block != "identity"]
        for block in others:
            processes[block] = make(block, blocks.index(block), identity_url)
            processes[block].spawn()
        for block in others:
            url = processes[block].wait_ready(timeout)
            if on_ready:
                on_ready(block, url)
    except BaseException:
        stop_all(processes)
        raise
    return processes


def stop_all(processes: Mapping[str, BlockProcess]) -> None:
    """Stop the resource servers before identity, so none loses its key source while serving."""
    for block in sorted(processes, key=lambda name: name == "identity"):
        processes[block].stop()
