"""``gdi-conformance certify``: certify the reference blocks, or a vendor's implementation.

    gdi-conformance certify --reference [--report-dir DIR] [--seed N] [--signing-key KEY]
        [--vendor V --product P --product-version X] [--waivers FILE] [--login-driver DRIVER]
    gdi-conformance certify --bb NAME --base-url URL [credential options as for 'run'] ...
    gdi-conformance certify --reference --bb NAME ...

With ``--reference`` the reference blocks are started (in one child process, each on a free
loopback port with its data in a temporary directory), wired to each other, certified one after
another and stopped; with ``--bb NAME`` as well, only that block is certified (identity is
started to issue tokens).
DIR/<block>/ receives report.json, report.html, junit.xml, badge.svg, lint.sarif and the
signed certificate.json with the public key that verifies it; DIR/index.html and matrix.json
are the overview of every block in DIR (earlier runs' included) and DIR/signing-key.pub.pem the
key of this run. Without --signing-key the certificates are signed with the persistent key
(made on the first run in the user's data directory, or at $GDI_CONFORMANCE_SIGNING_KEY, and
reused ever after), so the certificates of several runs verify with one key.

Exit 0: every block certified (remarks allowed); 1: a block not certified or incomplete;
2: could not run (bad arguments or files, a block that would not start or cannot be reached).
"""

from __future__ import annotations

import argparse
import functools
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console

from conformance import __version__
from conformance.cli.certify_blocks import (
    BlockResult,
    OverviewEntry,
    Settings,
    Target,
    certify_block,
    print_summary,
    progress_bars,
    write_overview,
)
from conformance.cli.certify_life_events import play_life_events
from conformance.cli.consoles import summary_console
from conformance.cli.help import ExamplesFormatter, examples
from conformance.cli.interruption import stop_on_signals
from conformance.cli.memory import child_environment, limit_malloc_arenas, release_memory
from conformance.cli.report_inputs import read_waivers_file
from conformance.cli.run_config import UsageError, login_driver_choice, read_vendor, target_of
from conformance.cli.run_options import BUDGET, CREDENTIALS, WHAT, RunOptions, add_run_options
from conformance.cli.vendor_file import (
    block_name,
    restart_hook,
    vendor_waivers,
)
from conformance.client.credentials import PRIMARY, SECONDARY, IdentityClient, Subjects
from conformance.engine.running.control import RunControl
from conformance.exitcodes import ExitCode
from conformance.paths import seed_root
from conformance.reports.i18n import DEFAULT_LANGUAGE, LANGUAGES
from conformance.reports.signing import (
    SigningKeyError,
    fingerprint,
    load_private_key,
    persistent_key,
    public_path_for,
)
from conformance.reports.waivers import WaiverError
from conformance.results import ProductInfo
from conformance.spec.vendor import VendorConfigError

if TYPE_CHECKING:
    from building_blocks.common.process import BlockProcess

PROG = "gdi-conformance certify"
REFERENCE_BLOCKS = ("identity", "messaging", "registries")
# The scopes the harness's organisation clients ask for when certifying each reference block.
REFERENCE_SCOPES: dict[str, tuple[str, ...]] = {
    "identity": (),
    "messaging": ("messaging:send", "messaging:subscribe"),
    # registries:search with a purpose (doelbinding) lets fuzzing reach the searches too.
    "registries": (
        "registries:read",
        "registries:declare",
        "registries:search",
        "doelbinding:burgerzaken",
    ),
}
REFERENCE_PRODUCT = ProductInfo(
    vendor="GDI reference implementation",
    name="gdi-conformance reference blocks",
    version=__version__,
)


EXAMPLES = examples(
    "gdi-conformance certify --reference",
    "gdi-conformance certify --reference --bb messaging --lang nl --report-dir reports",
    "gdi-conformance certify --bb messaging --base-url https://bb.example.nl/messaging/v1 \\",
    "    --identity https://idp.example.nl/identity/v1 --client gemeente-utrecht --key org.pem \\",
    "    --vendor ACME --product Berichtenbox --product-version 2.3.1",
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "certify",
        help="certify the reference blocks or a vendor's implementation, with signed certificates",
        description=(
            "Run the conformance checks, judge them (certified, certified with remarks, not "
            "certified, incomplete), write every report and a signed certificate per block and "
            "an overview. Exit 0: all certified, 1: not, 2: could not run."
        ),
        epilog=EXAMPLES,
        formatter_class=ExamplesFormatter,
    )
    # Grouped for --help; the options shared with run and pytest come from the table.
    what = parser.add_argument_group("what to certify")
    product = parser.add_argument_group("the product under test")
    credentials = parser.add_argument_group(
        "credentials (with --bb and --base-url; --reference uses its own test clients)"
    )
    budget = parser.add_argument_group("budget and reproduction")
    output = parser.add_argument_group("reports and signing")
    what.add_argument(
        "--reference",
        action="store_true",
        help="start and certify the reference blocks (all three, or the one named by --bb)",
    )
    output.add_argument(
        "--report-dir", type=Path, default=Path("reports"), metavar="DIR", help="default: ./reports"
    )
    output.add_argument(
        "--signing-key",
        type=Path,
        metavar="KEY",
        help="Ed25519 private key (gdi-conformance keygen); default: the persistent key in the "
        "user's data directory or at $GDI_CONFORMANCE_SIGNING_KEY, made on first use",
    )
    output.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=DEFAULT_LANGUAGE,
        help=f"language of the HTML reports and the overview (default: {DEFAULT_LANGUAGE})",
    )
    add_run_options("certify", {WHAT: what, BUDGET: budget, CREDENTIALS: credentials})
    product.add_argument("--vendor", help="the vendor of the product under test")
    product.add_argument("--product", help="the product's name")
    product.add_argument("--product-version", metavar="VERSION", help="the product's version")
    product.add_argument("--waivers", type=Path, metavar="FILE", help="YAML file of waivers")
    parser.set_defaults(func=main)


def _product(args: argparse.Namespace) -> ProductInfo | None:
    given = [args.vendor, args.product, args.product_version]
    if not any(given):
        return REFERENCE_PRODUCT if args.reference else None
    if not all(item and item.strip() for item in given):
        raise UsageError("--vendor, --product and --product-version go together")
    return ProductInfo(vendor=args.vendor, name=args.product, version=args.product_version)


def _key(args: argparse.Namespace) -> Ed25519PrivateKey:
    if args.signing_key is not None:
        return load_private_key(args.signing_key)
    persistent = persistent_key()
    if persistent.created:
        print(
            f"{PROG}: made the signing key {persistent.path} "
            f"({fingerprint(persistent.key.public_key())}); later runs reuse it. Keep it, and "
            f"give {public_path_for(persistent.path)} to whoever verifies your certificates.",
            file=sys.stderr,
        )
    return persistent.key


def reference_subjects(block: str, identity_url: str) -> Subjects:
    """Two organisations of the seed data, with test-only keys, acting on ``block``."""
    keys = seed_root() / "identity" / "keys"
    scopes = REFERENCE_SCOPES[block]
    return Subjects(
        {
            PRIMARY: IdentityClient(
                identity_url, "gemeente-utrecht", keys / "gemeente-utrecht.key.pem", scopes
            ),
            SECONDARY: IdentityClient(
                identity_url, "harness-tweede-org", keys / "harness-tweede-org.key.pem", scopes
            ),
        }
    )


TargetSource = Callable[[], AbstractContextManager[Target]]


def _running(target: Target) -> tuple[str, TargetSource]:
    """A target that is already running (and stays so) as a source for ``_certify_all``."""

    def source() -> AbstractContextManager[Target]:
        return nullcontext(target)

    return target.block, source


def crash(process: BlockProcess) -> None:
    """Crash the reference blocks' process the way a power cut would (SIGKILL: no shutdown code
    runs) and start it again with every block on its port with its data directory."""
    process.kill()
    process.start()


@dataclass(slots=True)
class _Certified:
    results: list[BlockResult]
    interrupted: bool

    @property
    def code(self) -> int:
        # Stopped on request, the certification is incomplete (1), as an interrupted run is;
        # blocks it did not get to are no failure to run.
        if any(item.problem and not item.interrupted for item in self.results):
            return ExitCode.COULD_NOT_RUN
        if all(item.certification and item.certification.verdict.exit_ok for item in self.results):
            return ExitCode.CONFORMANT
        return ExitCode.NOT_CONFORMANT


def _certify_all(
    sources: list[tuple[str, TargetSource]], settings: Settings, console: Console
) -> _Certified:
    """Certify each target in turn; a source provides its target only while it is certified."""
    from building_blocks.common.server import ServeError

    control = RunControl()
    results: list[BlockResult] = []
    with stop_on_signals(control), progress_bars(console) as progress:
        for name, source in sources:
            if control.stopped:
                problem = f"not run: {control.reason}"
                results.append(BlockResult(block=name, problem=problem, interrupted=True))
                continue
            try:
                with source() as target:
                    results.append(certify_block(target, settings, progress, control))
            except ServeError as exc:
                problem = f"the reference {name} block did not start: {exc}"
                results.append(BlockResult(block=name, problem=problem))
            release_memory()  # what generation cached for this block's spec serves no other
    return _Certified(results, interrupted=control.stopped)


def _conclude(
    certified: _Certified, settings: Settings, extra: tuple[OverviewEntry, ...] = ()
) -> int:
    """The overview (with ``extra`` reports beside the blocks') and the summary; the exit code."""
    index = None
    if any(item.report is not None for item in certified.results):
        index, _ = write_overview(certified.results, settings, extra)
    print_summary(certified.results, settings, index, summary_console())
    return certified.code


def _run_reference(blocks: tuple[str, ...], settings: Settings, console: Console) -> int:
    """Start the reference blocks in as few processes as memory allows, and certify them.

    Identity is certified served alone (its certification is the harness's hungriest); then
    one child process serves identity (it issues the tokens) together with the other blocks,
    each on its own port with its own data: one Python process instead of one per block keeps
    the run within its memory budget. Identity keeps its port and data throughout. Crashing
    the shared process for the durability check crashes all its blocks; each comes back on
    its port with its data.
    """
    from building_blocks.common.process import BlockProcess

    data_dir = Path(tempfile.mkdtemp(prefix="gdi-certify-"))
    others = tuple(block for block in blocks if block != "identity")
    others_missing = {"identity", "messaging", "registries"} - set(blocks)
    identity_port = 0

    def process(also: tuple[str, ...]) -> BlockProcess:
        return BlockProcess(
            "identity",
            port=identity_port,
            also=also,
            data_dir=data_dir,
            enable_test_login=True,
            log_path=data_dir / "logs" / "blocks.log",
            env=child_environment(),
        )

    def target(block: str, running: BlockProcess) -> Target:
        identity_url = running.base_urls["identity"]
        subjects = reference_subjects(block, identity_url)
        restart = functools.partial(crash, running)
        return Target(block, running.base_urls[block], subjects, restart=restart)

    @contextmanager
    def identity_alone() -> Iterator[Target]:
        nonlocal identity_port
        running = process(())
        try:
            running.start()
            identity_port = running.port
            yield target("identity", running)
        finally:
            running.stop()

    with ExitStack() as stack:
        shared: list[BlockProcess] = []

        @contextmanager
        def together(block: str) -> Iterator[Target]:
            if not shared:
                running = process(others)
                stack.callback(running.stop)
                running.start()
                shared.append(running)
            yield target(block, shared[0])

        sources: list[tuple[str, TargetSource]] = [
            (block, identity_alone if block == "identity" else functools.partial(together, block))
            for block in blocks
        ]
        try:
            certified = _certify_all(sources, settings, console)
        finally:
            stack.close()
            shutil.rmtree(data_dir, ignore_errors=True)
    if others_missing or certified.interrupted:  # interrupted: stop, as asked
        return _conclude(certified, settings)
    played, entry = _life_events(others, settings)
    code = _conclude(certified, settings, () if entry is None else (entry,))
    return max(code, played)  # 2 (could not run) > 1 (failed) > 0


def _life_events(others: tuple[str, ...], settings: Settings) -> tuple[int, OverviewEntry | None]:
    """Play the life events on freshly started reference blocks: certification leaves a
    register and inboxes full of generated data and notifications still being retried to
    receivers long gone, which says nothing about how the blocks work together."""
    from building_blocks.common.process import BlockProcess
    from building_blocks.common.server import ServeError

    data_dir = Path(tempfile.mkdtemp(prefix="gdi-life-events-"))
    running = BlockProcess(
        "identity",
        port=0,
        also=others,
        data_dir=data_dir,
        enable_test_login=True,
        log_path=data_dir / "logs" / "blocks.log",
        env=child_environment(),
    )
    try:
        running.start()
        return play_life_events(running.base_urls, settings, Console())
    except ServeError as exc:
        print(f"gdi-conformance certify: the life events could not run: {exc}", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN, None
    finally:
        running.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def _credentials_given(args: argparse.Namespace) -> bool:
    options = ("identity", "headers", "token_command", "client", "key", "scopes")
    names = [*options, *(f"secondary_{name}" for name in options[1:])]
    return any(getattr(args, name, None) for name in names)


def _reference_blocks(args: argparse.Namespace) -> tuple[str, ...]:
    if not args.bb:
        return REFERENCE_BLOCKS
    if args.bb not in REFERENCE_BLOCKS:
        raise UsageError(
            f"--bb {args.bb!r}: the reference blocks are {', '.join(REFERENCE_BLOCKS)}"
        )
    return (args.bb,)


def _fail(message: str) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return ExitCode.COULD_NOT_RUN


def main(args: argparse.Namespace) -> int:
    options = RunOptions.from_namespace(args)
    try:
        if not (args.reference or args.bb):
            raise UsageError("say what to certify: --reference, or --bb NAME --base-url URL")
        if args.reference and args.base_url:
            raise UsageError("--base-url is for --bb; --reference starts its own blocks")
        if args.reference and _credentials_given(args):
            raise UsageError("credential options are for --bb; --reference uses its own clients")
        vendor = None if args.reference else read_vendor(options)
        base_url, subjects = None, Subjects()
        if args.bb and not args.reference:
            base_url, subjects = target_of(options, vendor)
        blocks = _reference_blocks(args) if args.reference else ()
        product = _product(args)
        waivers = read_waivers_file(args.waivers)
        if args.bb and not args.reference:
            waivers += vendor_waivers(vendor, block_name(args.bb))
        key = _key(args)
        login_driver_choice(options, vendor=vendor)
    except (UsageError, WaiverError, SigningKeyError, VendorConfigError) as exc:
        return _fail(str(exc))
    settings = Settings(
        report_dir=args.report_dir,
        key=key,
        product=product,
        waivers=waivers,
        options=options,
        language=args.lang,
        vendor=vendor,
    )
    console = Console(stderr=True)
    limit_malloc_arenas()  # before the run starts any thread
    try:
        if args.reference:
            return _run_reference(blocks, settings, console)
        assert base_url is not None
        restart = restart_hook(vendor, block_name(args.bb))
        target = Target(args.bb, base_url, subjects, restart=restart)
        return _conclude(_certify_all([_running(target)], settings, console), settings)
    except OSError as exc:
        return _fail(f"cannot write the reports to {args.report_dir}: {exc}")
