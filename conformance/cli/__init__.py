"""The ``gdi-conformance`` command line: one sub-command per module in COMMANDS."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
import threading
import time
from collections.abc import Sequence

import conformance
from conformance.exitcodes import ExitCode

# When the command started (``main`` sets it: the process's start, see process_started): a
# run's --max-time counts from here, so that start-up and loading its spec are within it.
STARTED = time.monotonic()

# Each module defines ``register(subparsers)``, which adds its sub-parser and sets
# ``func=<callable(args) -> int>`` as the parser default.
COMMANDS: tuple[str, ...] = (
    "conformance.cli.run",
    "conformance.cli.serve",
    "conformance.cli.catalog",
    "conformance.cli.spec",
    "conformance.cli.lint",
    "conformance.cli.token",
    "conformance.cli.certify",
    "conformance.cli.report",
    "conformance.cli.matrix",
    "conformance.cli.merge",
    "conformance.cli.keygen",
    "conformance.cli.verify",
    "conformance.cli.interop",
    "conformance.cli.register",
    "conformance.cli.publish",
    "conformance.cli.init",
)


def _modules_for(argv: Sequence[str]) -> tuple[str, ...]:
    """Only the module of the command asked for: importing every command (and with them the
    engine, Schemathesis and openapi-core) would cost each short command a second or more."""
    by_name = {module.rsplit(".", 1)[1]: module for module in COMMANDS}
    for arg in argv:
        if arg == "--version":
            return ()
        # Top-level options take no values, so the first word is the command.
        if not arg.startswith("-"):
            return (by_name[arg],) if arg in by_name else COMMANDS
    return COMMANDS


class _Version(argparse.Action):
    """--version, looking the version up only when asked (importlib.metadata is slow)."""

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        parser.exit(message=f"{parser.prog} {conformance.__version__}\n")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gdi-conformance",
        description=(
            "Check GDI building blocks against their specs and the NL GOV API Design Rules."
        ),
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = COMMANDS if argv is None else _modules_for(argv)
    for module_name in modules:
        importlib.import_module(module_name).register(subparsers)
    return parser


# Commands that stop gracefully on SIGINT/SIGTERM, writing the report so far: a signal that
# comes while they are still starting is kept for them (see conformance.cli.interruption).
_GRACEFUL = frozenset({"run", "certify"})


# A process older than this did not start for this command (main called by another program).
_OWN_PROCESS_AGE_S = 60.0


def process_started() -> float:
    """``time.monotonic()`` when this process began, from the kernel's record of it (Linux):
    the interpreter's own start-up and imports (a second or more on a loaded machine) are
    part of the time a command takes. Now, where the kernel does not say or the process is
    older than a command's start-up (main called within a long-running program)."""
    now = time.monotonic()
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            # The fields after the command name (which may hold spaces and parentheses):
            # state is field 3, starttime field 22, in clock ticks since boot.
            fields = stat.read().rsplit(")", 1)[1].split()
        ticks = int(fields[19]) / os.sysconf("SC_CLK_TCK")
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks
    except (OSError, ValueError, IndexError, AttributeError):
        return now
    return now - age if 0.0 <= age <= _OWN_PROCESS_AGE_S else now


def main(argv: Sequence[str] | None = None) -> int:
    global STARTED
    # As the command itself (no argv given), the budget counts from the process's start.
    command_line = argv is None
    STARTED = process_started() if command_line else time.monotonic()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in _GRACEFUL and threading.current_thread() is threading.main_thread():
        from conformance.cli.interruption import queue_early_signals, release_early_signals

        queue_early_signals()
        try:
            code = _main(argv)
        finally:
            release_early_signals()
        if command_line and argv[0] == "run":
            _exit_at_once(code)
        return code
    return _main(argv)


def _exit_at_once(code: int) -> None:
    """End the process once its report is written, without freeing its objects one by one:
    for a spec of thousands of paths that took seconds of the budget after the run. Exit
    handlers (temporary files, logging) still run."""
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed, or a reader gone
            stream.flush()
    os._exit(code)


def _main(argv: list[str]) -> int:
    parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad arguments, 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return ExitCode.COULD_NOT_RUN
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("gdi-conformance: interrupted", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
