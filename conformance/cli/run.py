"""``gdi-conformance run``: check a running implementation against a spec and its profile.

    gdi-conformance run (--bb NAME[@vMAJOR] | --spec PATH) --base-url URL
        [--header 'Name: value']... [--token-command CMD]
        [--identity URL --client ID --key KEYFILE [--scope S]...]
        [--secondary-header ...] [--secondary-token-command CMD]
        [--secondary-client ID --secondary-key KEYFILE [--secondary-scope S]...]
        [--seed N] [--max-examples N] [--max-time S] [--threads N] [--workers N] [--shard I/N]
        [--login-driver DRIVER] [--report-dir DIR] [--signing-key KEY]

Writes DIR/report.json; with --signing-key also DIR/certificate.json (the verdict, signed) and
DIR/signing-key.pub.pem. Exit 0: conformant; 1: not conformant, or not proven (incomplete run,
a MUST requirement not executed or in error); 2: the run could not start (bad arguments, unusable
spec or profile, unreachable target, no credentials). A shard (--shard I/N) is a part of a run,
reported as "partial (shard I/N)": it exits 0 when its part found no failure and ran to its end,
1 otherwise; it cannot be signed (gdi-conformance merge signs the merged report).
SIGINT/SIGTERM stop the run; the report of what ran so far is written, marked incomplete.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import conformance.cli
from conformance.cli.argtypes import positive_int
from conformance.cli.help import ExamplesFormatter, examples
from conformance.cli.interruption import stop_on_signals
from conformance.cli.run_certificate import signing_key, write_run_report
from conformance.cli.run_config import (
    UsageError,
    build_run_config,
    login_driver_choice,
    read_vendor,
    spec_of,
    target_of,
)
from conformance.cli.run_options import BUDGET, CREDENTIALS, WHAT, RunOptions, add_run_options
from conformance.cli.run_output import ProgressDisplay, print_summary
from conformance.cli.run_processes import run_in_processes
from conformance.cli.vendor_file import block_name, restart_hook
from conformance.client.credentials import (
    CredentialError,
)
from conformance.engine.config import RunConfig
from conformance.engine.fuzzing.sharding import Shard
from conformance.engine.running.control import RunControl
from conformance.engine.running.errors import RunSetupError, TargetUnreachable
from conformance.engine.running.reachability import REACHABILITY_TIMEOUT, check_reachable
from conformance.engine.running.runner import run
from conformance.exitcodes import ExitCode
from conformance.reports.signing import SigningKeyError
from conformance.results import Verdict
from conformance.spec import SpecLoadError
from conformance.spec.profile import ProfileError
from conformance.spec.vendor import VendorConfigError

PROG = "gdi-conformance run"


def _shard(text: str) -> Shard:
    try:
        return Shard.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


EXAMPLES = examples(
    "gdi-conformance run --bb messaging --base-url http://127.0.0.1:8002/messaging/v1 \\",
    "    --identity http://127.0.0.1:8001/identity/v1 --client gemeente-utrecht --key org.pem",
    "gdi-conformance run --spec openapi.yaml --base-url https://api.example.nl/v1 --seed 7",
    "gdi-conformance run --bb registries --base-url URL --header 'Authorization: Bearer ...' \\",
    "    --max-time 300 --workers 2 --report-dir reports/registries",
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="check a running implementation against its spec and profile",
        description=(
            "Generate requests from the spec (examples, boundary values, positive and negative "
            "fuzzing, stateful sequences), send them to the implementation at --base-url and "
            "judge every answer against the spec and the NL GOV API Design Rules. Writes "
            "DIR/report.json. Exit 0: conformant, 1: not conformant or not proven, 2: could "
            "not run."
        ),
        epilog=EXAMPLES,
        formatter_class=ExamplesFormatter,
    )
    # Grouped for --help; the options shared with certify and pytest come from the table.
    what = parser.add_argument_group("what to test")
    credentials = parser.add_argument_group(
        "credentials",
        "one source per subject: --header, --token-command, or --identity with --client/--key",
    )
    budget = parser.add_argument_group("budget and reproduction")
    output = parser.add_argument_group("output")
    add_run_options("run", {WHAT: what, BUDGET: budget, CREDENTIALS: credentials})
    budget.add_argument(
        "--workers",
        type=positive_int,
        default=1,
        metavar="N",
        help=(
            "N processes, each testing a shard of the API, merged into one report "
            "(for threads within one process: --threads)"
        ),
    )
    budget.add_argument(
        "--shard",
        type=_shard,
        metavar="I/N",
        help=(
            "test only part I of N of the API (the same split on every runner); "
            "combine the N report.json files with gdi-conformance merge"
        ),
    )
    output.add_argument(
        "--report-dir",
        type=Path,
        default=Path("reports"),
        metavar="DIR",
        help="where report.json is written (default: ./reports)",
    )
    output.add_argument(
        "--signing-key",
        type=Path,
        metavar="KEY",
        help=(
            "Ed25519 private key (gdi-conformance keygen): also write certificate.json, the "
            "signed verdict, and the public key beside report.json"
        ),
    )
    parser.set_defaults(func=main)


def build_config(options: RunOptions, shard: Shard | None, processes: int = 1) -> RunConfig:
    vendor = read_vendor(options)
    base_url, subjects = target_of(options, vendor)
    login_driver_choice(options, vendor=vendor)
    profile, spec = spec_of(options)
    return build_run_config(
        options,
        spec=spec,
        profile=profile,
        base_url=base_url,
        subjects=subjects,
        vendor=vendor,
        shard=shard,
        restart=restart_hook(vendor, block_name(options.bb)) if options.bb else None,
        budget_started=conformance.cli.STARTED,
        processes=processes,
    )


def _fail(message: str) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return ExitCode.COULD_NOT_RUN


def _report_of_unreachable(config: RunConfig, report_dir: Path, why: str) -> Path | None:
    """A report of a run that never started (every requirement not executed, with ``why``), so
    that every run leaves one on disk; unsigned, as it judges nothing. None when even that
    cannot be made."""
    control = RunControl()
    control.stop(f"the target never answered: {why}")  # no request is sent
    try:
        report = run(config, control=control)
    except (TargetUnreachable, RunSetupError, CredentialError):
        return None
    return write_run_report(report, report_dir, config.subjects.redactor, None)


def _unreachable(config: RunConfig, report_dir: Path, exc: TargetUnreachable) -> int:
    written = _report_of_unreachable(config, report_dir, str(exc))
    if written is not None:
        print(f"{PROG}: report (incomplete, nothing judged): {written}", file=sys.stderr)
    return _fail(f"the target is unreachable: {exc}")


def main(args: argparse.Namespace) -> int:
    if args.shard is not None and args.signing_key is not None:
        return _fail(
            f"--signing-key with --shard {args.shard.index}/{args.shard.count}: a shard is a part "
            "of a run, not a verdict; sign the merged report instead "
            "(gdi-conformance merge REPORT... --out FILE --signing-key KEY)"
        )
    if args.shard is not None and args.workers > 1:
        return _fail(
            f"--workers {args.workers} runs {args.workers} shard processes; a shard (--shard) "
            "runs in one: for threads within it, give --threads N"
        )
    options = RunOptions.from_namespace(args)
    try:
        config = build_config(options, args.shard, processes=args.workers)
        key = signing_key(args)  # an unusable key is refused before anything is tested
    except (UsageError, SigningKeyError) as exc:
        return _fail(str(exc))
    except ProfileError as exc:
        return _fail(str(exc))
    except VendorConfigError as exc:
        return _fail(str(exc))
    except SpecLoadError as exc:
        return _fail(f"cannot use the spec: {exc}")
    if args.workers > 1:
        try:
            # Once here rather than in each shard: a target that does not answer gets the
            # report of a run that never started, as a single process leaves.
            check_reachable(
                config.base_url,
                min(config.request_timeout, REACHABILITY_TIMEOUT),
                max_response_bytes=config.max_response_bytes,
            )
        except TargetUnreachable as exc:
            return _unreachable(config, args.report_dir, exc)
        return run_in_processes(args, options, config.subjects.redactor, PROG)
    control = RunControl()
    display = ProgressDisplay()
    try:
        with stop_on_signals(control), display:
            report = run(config, control=control, listener=display.update)
    except TargetUnreachable as exc:
        if args.shard is None:  # a shard's parent says why, for the whole run
            return _unreachable(config, args.report_dir, exc)
        return _fail(f"the target is unreachable: {exc}")
    except (RunSetupError, CredentialError) as exc:
        return _fail(config.subjects.redactor.text(str(exc)))
    path = write_run_report(report, args.report_dir, config.subjects.redactor, key)
    print_summary(report, path)
    if report.verdict is Verdict.CONFORMANT:
        return ExitCode.CONFORMANT
    if report.verdict is Verdict.PARTIAL and report.completion.complete:
        # A shard: green when its part found no failure, so that a CI matrix of one shard per
        # job is green when the implementation is; merge gives the verdict.
        return ExitCode.NOT_CONFORMANT if report.found_failure else ExitCode.CONFORMANT
    return ExitCode.NOT_CONFORMANT
