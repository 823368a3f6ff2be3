"""``gdi-conformance interop``: life events played across identity, registries and messaging.

    gdi-conformance interop --identity URL --registries URL --messaging URL
        [--report-dir DIR] [--seed N] [--scenario NAME]... [--login-driver DRIVER]
    gdi-conformance interop --config FILE [--report-dir DIR] [--seed N] ...

With three URLs, the scenarios run once and DIR/report.json (+ report.html, junit.xml) says
which step failed and which block is at fault. With ``--config`` (YAML: implementations per
block, each a name and a base_url, or ``config:`` naming the implementation's vendor file
(its base URL, and for identity its test clients, citizens and login), or ``reference: true``
to start the reference implementation locally, a reference registries or messaging with its
``introspection`` client for providers whose access tokens are opaque) every combination
runs, each into DIR/<identity>__<registries>__<messaging>/, and DIR/matrix.json and
DIR/matrix.html give the overview.

Exit 0: every scenario passed in every combination; 1: a scenario failed or could not be
carried out; 2: nothing could run (bad arguments or configuration, an implementation that does
not answer, a reference implementation that does not start).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import yaml

from conformance.cli.argtypes import positive_float
from conformance.cli.run_options import add_option
from conformance.cli.vendor_file import read_vendor
from conformance.client.harness_clients import TestClientsError, test_clients_for
from conformance.client.login import LoginDriverError, driver_for
from conformance.engine.behaviour.settings import BehaviourSettings, SettingError
from conformance.engine.fuzzing.seed import resolve_seed
from conformance.engine.running.errors import TargetUnreachable
from conformance.engine.running.reachability import check_reachable
from conformance.exitcodes import ExitCode
from conformance.interop import SCENARIOS, InteropSettings, combination_of, interop_report, play
from conformance.interop.matrix import (
    MATRIX_HTML,
    MATRIX_JSON,
    Cell,
    Entry,
    MatrixConfig,
    MatrixConfigError,
    load_matrix_config,
    matrix_json,
    run_matrix,
)
from conformance.interop.people import PeopleError, load_persons
from conformance.interop.runner import Implementation, InteropRun
from conformance.interop.steps import BLOCKS
from conformance.reports.certification import certify
from conformance.reports.interop_matrix import render_interop_matrix
from conformance.reports.render import write_atomic, write_outputs
from conformance.results import Outcome, RunReport
from conformance.spec.vendor import VendorConfig, VendorConfigError

PROG = "gdi-conformance interop"
FORMATS = ("json", "html", "junit")


class UsageError(Exception):
    """Bad arguments or an unusable set-up; the message says which."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "interop",
        help="play life events (geboorte, verhuizing) across identity, registries and messaging",
        description=(
            "Play the life-event scenarios across one identity, registries and messaging "
            "implementation (three URLs), or across every combination of the implementations "
            "a --config file lists. Each step names the block it exercises, so a failure "
            "blames the right block. Exit 0: all passed, 1: a scenario failed, 2: could not run."
        ),
    )
    for block in BLOCKS:
        parser.add_argument(f"--{block}", metavar="URL", help=f"base URL of the {block} block")
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help=(
            "a vendor file (gdi-conformance.yaml: one implementation per block, its test "
            "clients, users and login; default: ./gdi-conformance.yaml when present) or a "
            "matrix file listing implementations per block (name + base_url, config: a vendor "
            "file, or reference: true)"
        ),
    )
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=Path("reports"),
        metavar="DIR",
        help="where the reports are written (default: ./reports)",
    )
    parser.add_argument("--seed", type=int, help="seed of the scenarios' choices (default: random)")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=sorted(SCENARIOS),
        help="play only this scenario (repeatable; default: all)",
    )
    add_option(parser, "login-driver")
    parser.add_argument(
        "--request-timeout", type=positive_float, default=10.0, metavar="S", help="default: 10"
    )
    parser.add_argument(
        "--delivery-timeout",
        type=positive_float,
        metavar="S",
        help="how long a notification may take to arrive (default: 10)",
    )
    parser.add_argument(
        "--receiver-host",
        metavar="HOST",
        help="address the notification receiver listens on (default: 127.0.0.1)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="data directory of reference implementations started for --config "
        "(default: a temporary one)",
    )
    parser.set_defaults(func=main)


def is_matrix_file(path: Path) -> bool:
    """A matrix file lists implementations per block; a vendor file describes one per block."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return True  # the matrix loader says what is wrong with it
    return isinstance(document, dict) and any(
        isinstance(document.get(block), list) for block in BLOCKS
    )


def _vendor(args: argparse.Namespace) -> VendorConfig | None:
    if args.config is not None and is_matrix_file(args.config):
        return None
    try:
        return read_vendor(args)
    except VendorConfigError as exc:
        raise UsageError(str(exc)) from exc


def _settings(args: argparse.Namespace, vendor: VendorConfig | None) -> InteropSettings:
    try:
        defaults = BehaviourSettings.from_environment()
        driver = driver_for(args.login_driver, vendor)
        clients = test_clients_for(vendor)
        persons = load_persons()
    except (SettingError, LoginDriverError, TestClientsError, PeopleError) as exc:
        raise UsageError(str(exc)) from exc
    identity = vendor.block("identity") if vendor is not None else None
    citizens = {item.bsn: dict(item.fields) for item in identity.citizens} if identity else {}
    return InteropSettings(
        seed=resolve_seed(args.seed),
        request_timeout=args.request_timeout,
        delivery_timeout=args.delivery_timeout or defaults.delivery_timeout,
        receiver_host=args.receiver_host or defaults.receiver_host,
        login_driver=driver,
        clients=clients,
        persons=persons,
        citizen_fields=citizens,
    )


def _reachable(block: str, name: str, url: str, timeout: float) -> None:
    try:
        check_reachable(url.rstrip("/"), min(timeout, 5.0))
    except TargetUnreachable as exc:
        raise UsageError(f"{block} {name!r}: {exc}") from exc


def _write(report: RunReport, directory: Path) -> None:
    write_outputs(report, certify(report), directory, FORMATS)


def _scenario_line(run: InteropRun) -> str:
    parts = []
    for result in run.scenarios:
        stopped = result.stopped_at
        text = f"{result.scenario.name} {result.outcome.value}"
        if stopped is not None:
            text += f" at {stopped.step.id}"
            if stopped.outcome is Outcome.FAILED and stopped.blame:
                implementation = run.combination.of(stopped.blame).name
                text += f" ({stopped.blame} {implementation!r} at fault)"
        parts.append(text)
    return ", ".join(parts)


def _single(
    args: argparse.Namespace,
    settings: InteropSettings,
    scenarios: list[Any],
    vendor: VendorConfig | None,
) -> int:
    urls: dict[str, str] = {}
    for block in BLOCKS:
        config = vendor.block(block) if vendor is not None else None
        url = getattr(args, block) or (config.base_url if config else None)
        if url:
            urls[block] = str(url)
    missing = [f"--{block}" for block in BLOCKS if block not in urls]
    if missing:
        raise UsageError(f"give {', '.join(missing)} (or --config FILE)")
    for block in BLOCKS:
        _reachable(block, block, urls[block], settings.request_timeout)
    combination = combination_of(urls["identity"], urls["registries"], urls["messaging"])
    run = play(combination, settings, scenarios)
    _write(interop_report(run), args.report_dir)
    print(f"seed {settings.seed}: {_scenario_line(run)}")
    for result in run.scenarios:
        stopped = result.stopped_at
        if stopped is not None:
            message = run.redactor.text(stopped.message)
            print(f"  {result.scenario.name}/{stopped.step.id}: {message}")
    print(f"report: {args.report_dir / 'report.json'}")
    return ExitCode.CONFORMANT if run.outcome is Outcome.PASSED else ExitCode.NOT_CONFORMANT


class References:
    """Reference implementations started on demand, stopped on exit.

    Reference registries and messaging trust one identity block, so one of each is started
    per identity implementation they are combined with.
    """

    def __init__(self, data_dir: Path, stack: ExitStack) -> None:
        self.data_dir = data_dir
        self.stack = stack
        self.urls: dict[tuple[str, str, str | None], str] = {}

    def url(self, entry: Entry, identity_url: str | None) -> str:
        block = entry.block
        key = (block, entry.name, identity_url if block != "identity" else None)
        if key not in self.urls:
            from building_blocks.common.process import BlockProcess
            from building_blocks.common.server import Introspection, ServeError

            index = len(self.urls)
            process = BlockProcess(
                block,
                data_dir=self.data_dir / f"{block}-{index}",
                identity_url=identity_url if block != "identity" else None,
                enable_test_login=block == "identity",
                log_path=self.data_dir / f"{block}-{index}.log",
                introspection={
                    block: Introspection(entry.introspection_client_id, entry.introspection_key)
                }
                if entry.introspection_client_id and entry.introspection_key
                else None,
            )
            try:
                self.urls[key] = process.start(60)
            except ServeError as exc:
                raise UsageError(f"the reference {block} block did not start: {exc}") from exc
            self.stack.callback(process.stop)
        return self.urls[key]


@contextmanager
def _data_dir(given: Path | None) -> Iterator[Path]:
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="gdi-conformance-interop-") as directory:
        yield Path(directory)


def _cell_line(cell: Cell) -> str:
    mark = "PASS" if cell.outcome == "passed" else "FAIL" if cell.outcome == "failed" else "ERR "
    parts = []
    for item in cell.scenarios:
        text = f"{item.scenario} {item.outcome}"
        if item.step:
            text += f" at {item.step}"
        if item.block:
            text += f" ({item.block} {item.implementation!r} at fault)"
        parts.append(text)
    return f"{mark} {cell.combination.label}: {', '.join(parts)}"


def _matrix(args: argparse.Namespace, settings: InteropSettings, scenarios: list[Any]) -> int:
    if any(getattr(args, block) for block in BLOCKS):
        raise UsageError("give either --config FILE or --identity/--registries/--messaging")
    try:
        config: MatrixConfig = load_matrix_config(args.config)
    except MatrixConfigError as exc:
        raise UsageError(str(exc)) from exc
    # An identity entry with a vendor file brings its own clients, citizens and login; a
    # driver or client it names that cannot be used stops the run before anything is sent.
    per_identity = {
        entry.name: _settings(args, entry.vendor) if entry.vendor is not None else settings
        for entry in config.of("identity")
    }
    for block in BLOCKS:
        for entry in config.of(block):
            if entry.base_url is not None:
                _reachable(block, entry.name, entry.base_url, settings.request_timeout)
    report_dir: Path = args.report_dir
    with ExitStack() as stack:
        references = References(stack.enter_context(_data_dir(args.data_dir)), stack)

        def resolve(entry: Entry, identity: Implementation | None) -> str:
            if entry.base_url is not None:
                return entry.base_url
            return references.url(entry, identity.base_url if identity else None)

        matrix = run_matrix(
            config,
            settings,
            resolve,
            lambda report, slug: _write(report, report_dir / slug),
            scenarios=scenarios,
            on_cell=lambda cell: print(_cell_line(cell), flush=True),
            settings_for=lambda entry: per_identity[entry.name],
        )
    write_atomic(report_dir / MATRIX_JSON, matrix_json(matrix))
    write_atomic(report_dir / MATRIX_HTML, render_interop_matrix(matrix))
    print(f"seed {settings.seed}: matrix {matrix.outcome}: {report_dir / MATRIX_HTML}")
    return ExitCode.CONFORMANT if matrix.outcome == "passed" else ExitCode.NOT_CONFORMANT


def main(args: argparse.Namespace) -> int:
    try:
        vendor = _vendor(args)
        settings = _settings(args, vendor)
        scenarios = [SCENARIOS[name] for name in dict.fromkeys(args.scenario or SCENARIOS)]
        if args.config is not None and vendor is None:
            return _matrix(args, settings, scenarios)
        return _single(args, settings, scenarios, vendor)
    except UsageError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
    except OSError as exc:  # the report directory cannot be written
        print(f"{PROG}: {exc}", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
