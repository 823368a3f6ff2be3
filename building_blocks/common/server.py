"""Serve one building block with uvicorn, in this process.

``serve_block`` binds the socket first (port 0 picks a free port), so the block's settings carry
its real public URL before the app is built; when the server is ready it reports
``<block> <base-url>`` (printed on stdout by default), then runs until SIGINT/SIGTERM and shuts
down cleanly. ``python -m building_blocks.common.server <block> ...`` is the same as a process
entry point; ``building_blocks.common.process`` starts blocks that way.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import uvicorn

from building_blocks.common.registry import AppFactory, BlockNotAvailable, load_block
from building_blocks.common.settings import BLOCKS, Settings

ReadyCallback = Callable[[str, str], None]

LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "building_blocks.common.redact.RedactingFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "plain",
            "filters": ["redact"],
        }
    },
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        "building_blocks": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


class ServeError(Exception):
    """The block could not be served; the message says why (shown to the user as is)."""


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on connections whose socket says
    # so, and without it every answer on a kept-alive connection (headers and body are two
    # writes) waits ~40 ms for the client's delayed ACK (Nagle's algorithm).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    # Lets a restarted block take its old port back at once (connections in TIME_WAIT).
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.set_inheritable(True)
    return sock


def print_ready(block: str, base_url: str) -> None:
    print(f"{block} {base_url}", flush=True)


class _Server(uvicorn.Server):
    """uvicorn's server without its habit of re-raising the caught signal after shutdown, so a
    SIGINT/SIGTERM ends the process normally (exit 0) once everything is closed."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        originals = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)


def prepare_settings(
    block: str,
    *,
    public_url: str,
    data_dir: Path,
    identity_url: str | None,
    enable_test_login: bool,
) -> Settings:
    block_dir = Path(data_dir) / block
    try:
        block_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ServeError(f"cannot create the data directory {block_dir}: {exc.strerror}") from exc
    return Settings(
        block=block,
        data_dir=block_dir,
        public_url=public_url,
        identity_url=identity_url,
        enable_test_login=enable_test_login,
    )


def serve_block(
    block: str,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    data_dir: Path,
    identity_url: str | None = None,
    enable_test_login: bool = False,
    on_ready: ReadyCallback = print_ready,
    exit_with_parent: bool = False,
    factory: AppFactory | None = None,
) -> None:
    """Serve ``block`` until SIGINT/SIGTERM. Raises ``BlockNotAvailable`` or ``ServeError``."""
    factory = factory or load_block(block)
    if block != "identity" and identity_url is None:
        raise ServeError(
            f"{block} verifies access tokens: give the identity block's URL (--identity)"
        )
    sock = bind_socket(host, port)
    try:
        public_url = f"http://{url_host(host)}:{sock.getsockname()[1]}"
        settings = prepare_settings(
            block,
            public_url=public_url,
            data_dir=data_dir,
            identity_url=identity_url,
            enable_test_login=enable_test_login,
        )
        app = factory(settings)
        base_url = public_url + getattr(app, "base_path", f"/{block}/v1")
        config = uvicorn.Config(
            app,
            log_config=LOG_CONFIG,
            log_level="warning",
            access_log=False,
            server_header=False,  # do not advertise the implementation
            lifespan="on",
            timeout_graceful_shutdown=5,
        )
        server = _Server(config)
        started = asyncio.run(_run(server, sock, block, base_url, on_ready, exit_with_parent))
    finally:
        sock.close()
    if not started:
        raise ServeError(f"the {block} block failed to start (see the messages above)")


async def _run(
    server: _Server,
    sock: socket.socket,
    block: str,
    base_url: str,
    on_ready: ReadyCallback,
    exit_with_parent: bool,
) -> bool:
    async def announce() -> None:
        while not server.started:
            if server.should_exit:
                return
            await asyncio.sleep(0.01)
        on_ready(block, base_url)

    async def watch_parent() -> None:
        # Started by a test run or `serve all` that was killed: do not linger as an orphan.
        parent = os.getppid()
        while os.getppid() == parent:
            await asyncio.sleep(0.5)
        server.should_exit = True

    tasks = [asyncio.create_task(announce())]
    if exit_with_parent:
        tasks.append(asyncio.create_task(watch_parent()))
    try:
        await server.serve(sockets=[sock])
    finally:
        for task in tasks:
            task.cancel()
    return bool(server.started)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m building_blocks.common.server")
    parser.add_argument("block", choices=BLOCKS)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--identity", default=None)
    parser.add_argument("--enable-test-login", action="store_true")
    parser.add_argument("--exit-with-parent", action="store_true")
    args = parser.parse_args(argv)
    try:
        serve_block(
            args.block,
            host=args.host,
            port=args.port,
            data_dir=args.data_dir,
            identity_url=args.identity,
            enable_test_login=args.enable_test_login,
            exit_with_parent=args.exit_with_parent,
        )
    except (BlockNotAvailable, ServeError) as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
