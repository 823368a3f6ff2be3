"""``gdi-conformance serve``: run the reference building blocks on this machine.

One block runs in this process; ``all`` starts identity, then messaging and registries wired
to it, each in its own process. One line ``<block> <base-url>`` is printed per block when it is
ready; SIGINT/SIGTERM stops everything cleanly (exit 0).
"""

from __future__ import annotations

import argparse
import queue
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType
from typing import Any

from building_blocks.common.registry import BlockNotAvailable, load_block
from building_blocks.common.settings import BLOCKS
from conformance.exitcodes import ExitCode

PROG = "gdi-conformance serve"
TEST_LOGIN_OFF = (
    f"{PROG}: the test login is off, so no citizen can log in (token --citizen, the life "
    "events and the citizen checks need it); turn it on with --enable-test-login, for test "
    "use only: it logs in any test person without DigiD"
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the reference building blocks",
        description=(
            "Run a reference building block (or all three) on this machine. Prints "
            "'<block> <base-url>' per block once it accepts requests; stop with Ctrl-C."
        ),
    )
    parser.add_argument("block", choices=[*BLOCKS, "all"], help="which block to run")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port",
        type=int,
        default=0,
        help="port (0: a free one); with 'all' the blocks take PORT, PORT+1 and PORT+2",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="where the blocks keep their data (default: a temporary directory, removed on exit)",
    )
    parser.add_argument(
        "--identity",
        metavar="URL",
        default=None,
        help="base URL of the identity block that issues access tokens (messaging, registries), "
        "or the issuer of any OpenID provider",
    )
    parser.add_argument(
        "--introspection-client-id",
        metavar="ID",
        help="this resource server's own client at the OpenID provider, to introspect opaque "
        "access tokens (RFC 7662)",
    )
    parser.add_argument(
        "--introspection-key",
        type=Path,
        metavar="FILE",
        help="the PEM private key of --introspection-client-id (private_key_jwt)",
    )
    parser.add_argument(
        "--enable-test-login",
        action="store_true",
        help="let the identity block log citizens in without DigiD (test use only)",
    )
    parser.set_defaults(func=run)


def _fail(message: str) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return ExitCode.COULD_NOT_RUN


def run(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        return _fail(f"--port {args.port} is not a port number (0-65535)")
    if args.block == "all" and args.identity:
        return _fail("--identity cannot be combined with 'all', which runs its own identity block")
    if args.block not in ("identity", "all") and not args.identity:
        return _fail(f"{args.block} needs --identity URL (the identity block's base URL)")
    blocks = list(BLOCKS) if args.block == "all" else [args.block]
    try:
        for block in blocks:
            load_block(block)
    except BlockNotAvailable as exc:
        return _fail(str(exc))
    # Imported here: the web server stack is only needed when something is served.
    from building_blocks.common.server import Introspection, ServeError, serve_block

    if args.block in ("identity", "all") and not args.enable_test_login:
        print(TEST_LOGIN_OFF, file=sys.stderr, flush=True)
    temporary = args.data_dir is None
    data_dir = Path(tempfile.mkdtemp(prefix="gdi-serve-")) if temporary else args.data_dir
    if temporary:
        print(f"{PROG}: data in {data_dir} (removed on exit)", file=sys.stderr)
    try:
        if args.block == "all":
            return _serve_all(args, data_dir)
        serve_block(
            args.block,
            host=args.host,
            port=args.port,
            data_dir=data_dir,
            identity_url=args.identity,
            enable_test_login=args.enable_test_login,
            introspection=Introspection(args.introspection_client_id, args.introspection_key)
            if args.introspection_client_id and args.introspection_key
            else None,
        )
        return ExitCode.CONFORMANT
    except (ServeError, BlockNotAvailable) as exc:
        return _fail(str(exc))
    finally:
        if temporary:
            shutil.rmtree(data_dir, ignore_errors=True)


def _print_ready(block: str, base_url: str) -> None:
    print(f"{block} {base_url}", flush=True)


def _signalled(received: queue.SimpleQueue[int], timeout: float) -> bool:
    try:
        received.get(timeout=timeout)
    except queue.Empty:
        return False
    return True


def _serve_all(args: argparse.Namespace, data_dir: Path) -> int:
    from building_blocks.common.process import start_all, stop_all
    from building_blocks.common.server import ServeError

    # The handler only queues the signal: SimpleQueue.put is safe within a handler, whereas
    # Event.set could wait forever on a lock the interrupted main thread holds in Event.wait.
    received: queue.SimpleQueue[int] = queue.SimpleQueue()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        received.put(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    processes = {}
    try:
        processes = start_all(
            data_dir=data_dir,
            host=args.host,
            port=args.port,
            enable_test_login=args.enable_test_login,
            on_ready=_print_ready,
            on_output=lambda line: print(line, flush=True),
        )
        while not _signalled(received, 0.5):
            dead = [block for block, process in processes.items() if not process.alive]
            if dead:
                code = processes[dead[0]].returncode
                return _fail(f"the {dead[0]} block stopped unexpectedly (exit code {code})")
        return ExitCode.CONFORMANT
    except ServeError as exc:
        return _fail(str(exc))
    finally:
        stop_all(processes)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
