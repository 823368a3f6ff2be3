"""Serve building blocks with uvicorn, in this process.

``serve_block`` binds the socket first (port 0 picks a free port), so the block's settings carry
its real public URL before the app is built; when the server is ready it reports
``<block> <base-url>`` (printed on stdout by default), then runs until SIGINT/SIGTERM and shuts
down cleanly. ``serve_blocks`` does the same for several blocks in one process and one event
loop (each on its own port, with its own data folder; resource servers wired to the identity
block served alongside): one Python process instead of one per block, for when memory counts.
``python -m building_blocks.common.server <block> [<block>...] ...`` is the same as a process
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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn

from building_blocks.common.registry import AppFactory, BlockNotAvailable, load_block
from building_blocks.common.settings import BLOCKS, Settings

ReadyCallback = Callable[[str, str], None]


@dataclass(frozen=True, slots=True)
class Introspection:
    """A resource server's own client at the OpenID provider, to introspect opaque tokens."""

    client_id: str
    key: Path


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
    """uvicorn's server without signal handling of its own: ``_signals_stop`` stops every
    server of the process at once, and without uvicorn's habit of re-raising the caught signal
    after shutdown a SIGINT/SIGTERM ends the process normally (exit 0) once all is closed."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def prepare_settings(
    block: str,
    *,
    public_url: str,
    data_dir: Path,
    identity_url: str | None,
    enable_test_login: bool,
    introspection: Introspection | None = None,
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
        introspection_client_id=introspection.client_id if introspection else None,
        introspection_key=introspection.key if introspection else None,
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
    introspection: Introspection | None = None,
) -> None:
    """Serve ``block`` until SIGINT/SIGTERM. Raises ``BlockNotAvailable`` or ``ServeError``."""
    serve_blocks(
        (block,),
        host=host,
        ports=(port,),
        data_dir=data_dir,
        identity_url=identity_url,
        enable_test_login=enable_test_login,
        on_ready=on_ready,
        exit_with_parent=exit_with_parent,
        factories={block: factory} if factory is not None else None,
        introspection={block: introspection} if introspection is not None else None,
    )


@dataclass(slots=True)
class _Served:
    block: str
    server: _Server
    sock: socket.socket
    base_url: str


def serve_blocks(
    blocks: Sequence[str],
    *,
    host: str = "127.0.0.1",
    ports: Sequence[int] | None = None,
    data_dir: Path,
    identity_url: str | None = None,
    enable_test_login: bool = False,
    on_ready: ReadyCallback = print_ready,
    exit_with_parent: bool = False,
    factories: Mapping[str, AppFactory] | None = None,
    introspection: Mapping[str, Introspection] | None = None,
) -> None:
    """Serve ``blocks`` (each on its port of ``ports``, 0: a free one) in this process until
    SIGINT/SIGTERM. A resource server verifies tokens of ``identity_url``, or else of the
    identity block served alongside. Raises ``BlockNotAvailable`` or ``ServeError``."""
    ports = list(ports) if ports is not None else [0] * len(blocks)
    if len(set(blocks)) != len(blocks) or len(ports) != len(blocks):
        raise ServeError("give each block once, and one port per block")
    made = {block: (factories or {}).get(block) or load_block(block) for block in blocks}
    served: list[_Served] = []
    sockets: list[socket.socket] = []
    try:
        bound = {}
        for block, port in zip(blocks, ports, strict=True):
            bound[block] = bind_socket(host, port)
            sockets.append(bound[block])
        # Identity first: the resource servers beside it need its URL.
        for block in sorted(blocks, key=lambda name: name != "identity"):
            if block != "identity" and identity_url is None:
                raise ServeError(
                    f"{block} verifies access tokens: give the identity block's URL (--identity)"
                )
            public_url = f"http://{url_host(host)}:{bound[block].getsockname()[1]}"
            settings = prepare_settings(
                block,
                public_url=public_url,
                data_dir=data_dir,
                identity_url=None if block == "identity" else identity_url,
                enable_test_login=enable_test_login,
                introspection=(introspection or {}).get(block),
            )
            app = made[block](settings)
            base_url = public_url + getattr(app, "base_path", f"/{block}/v1")
            if block == "identity" and identity_url is None:
                identity_url = base_url
            config = uvicorn.Config(
                app,
                log_config=LOG_CONFIG,
                log_level="warning",
                access_log=False,
                server_header=False,  # do not advertise the implementation
                lifespan="on",
                timeout_graceful_shutdown=5,
            )
            served.append(_Served(block, _Server(config), bound[block], base_url))
        started = asyncio.run(_run(served, on_ready, exit_with_parent))
    finally:
        for sock in sockets:
            sock.close()
    if not started:
        names = ", ".join(blocks) + (" blocks" if len(blocks) > 1 else " block")
        raise ServeError(f"the {names} failed to start (see the messages above)")


async def _run(served: list[_Served], on_ready: ReadyCallback, exit_with_parent: bool) -> bool:
    def stop_all_servers() -> None:
        for item in served:
            item.server.should_exit = True

    async def announce(item: _Served) -> None:
        while not item.server.started:
            if item.server.should_exit:
                return
            await asyncio.sleep(0.01)
        on_ready(item.block, item.base_url)

    async def watch_parent() -> None:
        # Started by a test run or `serve all` that was killed: do not linger as an orphan.
        parent = os.getppid()
        while os.getppid() == parent:
            await asyncio.sleep(0.5)
        stop_all_servers()

    helpers = [asyncio.create_task(announce(item)) for item in served]
    if exit_with_parent:
        helpers.append(asyncio.create_task(watch_parent()))
    serving = [asyncio.create_task(item.server.serve(sockets=[item.sock])) for item in served]
    try:
        with _signals_stop(served):
            # One block ending (it failed to start, or it was told to stop) ends them all.
            await asyncio.wait(serving, return_when=asyncio.FIRST_COMPLETED)
            stop_all_servers()
            await asyncio.gather(*serving)
    finally:
        for task in helpers:
            task.cancel()
    return all(item.server.started for item in served)


@contextlib.contextmanager
def _signals_stop(served: list[_Served]) -> Iterator[None]:
    """SIGINT/SIGTERM stop every server of this process (each would otherwise take the signal
    handlers from the one before)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(sig: int, frame: FrameType | None) -> None:
        for item in served:
            item.server.handle_exit(sig, frame)

    handled = (signal.SIGINT, signal.SIGTERM)
    originals = {sig: signal.signal(sig, handle) for sig in handled}
    try:
        yield
    finally:
        for sig, handler in originals.items():
            signal.signal(sig, handler)


def parse_introspection(values: Sequence[str]) -> dict[str, Introspection]:
    """``BLOCK=CLIENT_ID:KEY_FILE`` per resource server."""
    result: dict[str, Introspection] = {}
    for value in values:
        block, _, rest = value.partition("=")
        client_id, _, key = rest.partition(":")
        if block not in BLOCKS or block == "identity" or not client_id or not key:
            raise ValueError(
                f"--introspection {value!r}: expected messaging|registries=CLIENT_ID:KEY_FILE"
            )
        result[block] = Introspection(client_id, Path(key))
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m building_blocks.common.server")
    parser.add_argument("blocks", nargs="+", choices=BLOCKS, metavar="block")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--port",
        type=int,
        action="append",
        dest="ports",
        help="port of each block, in the order of the blocks (default: 0, a free one)",
    )
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--identity", default=None)
    parser.add_argument("--enable-test-login", action="store_true")
    parser.add_argument("--exit-with-parent", action="store_true")
    parser.add_argument(
        "--introspection",
        action="append",
        default=[],
        metavar="BLOCK=CLIENT_ID:KEY_FILE",
        help="a resource server's own client at the OpenID provider, to introspect opaque "
        "access tokens (private_key_jwt with the PEM key file); repeatable",
    )
    args = parser.parse_args(argv)
    try:
        introspection = parse_introspection(args.introspection)
    except ValueError as exc:
        parser.error(str(exc))
    ports = args.ports or [0]
    if len(ports) == 1 and len(args.blocks) > 1 and ports[0] == 0:
        ports = ports * len(args.blocks)
    if len(ports) != len(args.blocks):
        parser.error("give --port once per block (or not at all)")
    try:
        serve_blocks(
            args.blocks,
            host=args.host,
            ports=ports,
            data_dir=args.data_dir,
            identity_url=args.identity,
            enable_test_login=args.enable_test_login,
            exit_with_parent=args.exit_with_parent,
            introspection=introspection,
        )
    except (BlockNotAvailable, ServeError) as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
