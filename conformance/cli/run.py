"""``gdi-conformance run``: check a running implementation against a spec and its profile.

    gdi-conformance run (--bb NAME[@vMAJOR] | --spec PATH) --base-url URL
        [--header 'Name: value']... [--token-command CMD]
        [--identity URL --client ID --key KEYFILE [--scope S]...]
        [--secondary-header ...] [--secondary-token-command CMD]
        [--secondary-client ID --secondary-key KEYFILE [--secondary-scope S]...]
        [--seed N] [--max-examples N] [--max-time S] [--workers N] [--shard I/N]
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
from conformance.cli.argtypes import positive_float, positive_int
from conformance.cli.help import ExamplesFormatter, examples
from conformance.cli.interruption import stop_on_signals
from conformance.cli.run_certificate import signing_key, write_run_report
from conformance.cli.run_output import ProgressDisplay, print_summary
from conformance.cli.run_processes import run_in_processes
from conformance.cli.vendor_file import (
    add_config_option,
    block_name,
    block_of,
    identity_url,
    read_vendor,
    restart_hook,
    vendor_subjects,
)
from conformance.client.credentials import (
    PRIMARY,
    SECONDARY,
    CredentialError,
    CredentialSource,
    IdentityClient,
    StaticHeaders,
    Subjects,
    TokenCommand,
)
from conformance.client.login import (
    ENVIRONMENT_VARIABLE,
    LoginDriverError,
    driver_for,
)
from conformance.engine.profile import ProfileError, resolve_block
from conformance.engine.runner import RunConfig, RunControl, RunSetupError, TargetUnreachable, run
from conformance.engine.sharding import Shard
from conformance.exitcodes import ExitCode
from conformance.reports.signing import SigningKeyError
from conformance.results import Verdict
from conformance.spec import SpecLoadError, load_spec
from conformance.spec.vendor import DEFAULT_NAME, VendorConfig, VendorConfigError

PROG = "gdi-conformance run"


class UsageError(Exception):
    """A bad combination of arguments; the message says which."""


def _shard(text: str) -> Shard:
    try:
        return Shard.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


OptionGroup = argparse.ArgumentParser | argparse._ArgumentGroup

EXAMPLES = examples(
    "gdi-conformance run --bb messaging --base-url http://127.0.0.1:8002/messaging/v1 \\",
    "    --identity http://127.0.0.1:8001/identity/v1 --client gemeente-utrecht --key org.pem",
    "gdi-conformance run --spec openapi.yaml --base-url https://api.example.nl/v1 --seed 7",
    "gdi-conformance run --bb registries --base-url URL --header 'Authorization: Bearer ...' \\",
    "    --max-time 300 --workers 2 --report-dir reports/registries",
)


def add_subject_options(parser: OptionGroup, prefix: str, who: str) -> None:
    dest = prefix.replace("-", "_")
    parser.add_argument(
        f"--{prefix}header",
        dest=f"{dest}headers",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help=f"a header sent as {who} (repeatable)",
    )
    parser.add_argument(
        f"--{prefix}token-command",
        dest=f"{dest}token_command",
        metavar="CMD",
        help=f"a command that prints the bearer token of {who} (run without a shell)",
    )
    parser.add_argument(
        f"--{prefix}client",
        dest=f"{dest}client",
        metavar="ID",
        help=f"client id of {who} at the identity block (with --identity)",
    )
    parser.add_argument(
        f"--{prefix}key",
        dest=f"{dest}key",
        type=Path,
        metavar="KEYFILE",
        help=f"PEM private key of {who}'s client (private_key_jwt)",
    )
    parser.add_argument(
        f"--{prefix}scope",
        dest=f"{dest}scopes",
        action="append",
        default=[],
        metavar="SCOPE",
        help=f"a scope requested for {who} (repeatable)",
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
    # Grouped for --help; the options themselves are defined as before, on their group.
    what = parser.add_argument_group("what to test")
    credentials = parser.add_argument_group(
        "credentials",
        "one source per subject: --header, --token-command, or --identity with --client/--key",
    )
    budget = parser.add_argument_group("budget and reproduction")
    output = parser.add_argument_group("output")
    target = what.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--bb",
        metavar="NAME[@vMAJOR]",
        help="a building block of the catalogue (its spec and profile), e.g. messaging@v1",
    )
    target.add_argument(
        "--spec", type=Path, metavar="PATH", help="a spec file, checked with the generic profile"
    )
    what.add_argument(
        "--ref-root",
        type=Path,
        metavar="DIR",
        help="with --spec: let $refs also read local files below DIR (by default only below "
        "the spec's own folder)",
    )
    what.add_argument(
        "--base-url",
        metavar="URL",
        help="where the API runs (identity: the issuer); default: the vendor file's",
    )
    budget.add_argument("--seed", type=int, help="seed of the generated cases (default: random)")
    budget.add_argument(
        "--max-examples",
        type=positive_int,
        default=25,
        metavar="N",
        help="generated cases per operation and phase (default: 25)",
    )
    budget.add_argument(
        "--max-time",
        type=positive_float,
        metavar="S",
        help="stop after S seconds; the report is then marked incomplete",
    )
    budget.add_argument(
        "--workers",
        type=positive_int,
        default=1,
        metavar="N",
        help=(
            "N processes, each testing a shard of the API, merged into one report "
            "(with --shard: N threads within that shard)"
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
    budget.add_argument(
        "--request-timeout",
        type=positive_float,
        default=10.0,
        metavar="S",
        help="seconds to wait for one answer (default: 10)",
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
    credentials.add_argument(
        "--identity", metavar="URL", help="identity block that issues tokens (with --client)"
    )
    add_subject_options(credentials, "", "the primary subject")
    add_subject_options(credentials, "secondary-", "the secondary subject (a second user)")
    add_login_driver_option(credentials)
    add_config_option(what)
    parser.set_defaults(func=main)


def add_login_driver_option(parser: OptionGroup) -> None:
    parser.add_argument(
        "--login-driver",
        metavar="DRIVER",
        help=(
            "how the identity checks log test citizens in: test-login, module:callable, or "
            f"an entry point name (default: ${ENVIRONMENT_VARIABLE}, else test-login)"
        ),
    )


def login_driver_choice(
    args: argparse.Namespace,
    option: str = "--login-driver",
    vendor: VendorConfig | None = None,
) -> str | None:
    """``args.login_driver`` as given, once the driver it names (or the vendor file's, or the
    environment's) loads; a bad one is a usage error that says where it came from."""
    try:
        driver_for(args.login_driver, vendor)
    except LoginDriverError as exc:
        source = option if args.login_driver else ENVIRONMENT_VARIABLE
        raise UsageError(exc if vendor and not args.login_driver else f"{source}: {exc}") from exc
    return args.login_driver


def parse_header(text: str) -> tuple[str, str]:
    name, separator, value = text.partition(":")
    if not separator or not name.strip() or any(char.isspace() for char in name.strip()):
        raise UsageError(f"--header {text!r}: expected 'Name: value'")
    return name.strip(), value.strip()


def _subject(args: argparse.Namespace, prefix: str) -> CredentialSource | None:
    headers = dict(parse_header(item) for item in getattr(args, f"{prefix}headers"))
    token_command = getattr(args, f"{prefix}token_command")
    client = getattr(args, f"{prefix}client")
    key = getattr(args, f"{prefix}key")
    option = "--" + prefix.replace("_", "-")
    chosen = [bool(headers), bool(token_command), bool(client or key)]
    if sum(chosen) > 1:
        raise UsageError(
            f"give one credential source per subject: {option}header, {option}token-command "
            f"or {option}client/{option}key"
        )
    if client or key:
        if not (client and key):
            raise UsageError(f"{option}client and {option}key go together")
        if not args.identity:
            raise UsageError(f"{option}client needs --identity URL")
        if not key.is_file():
            raise UsageError(f"{option}key {key}: no such file")
        return IdentityClient(args.identity, client, key, tuple(getattr(args, f"{prefix}scopes")))
    if token_command:
        return TokenCommand(token_command)
    if headers:
        return StaticHeaders(headers)
    return None


def build_subjects(args: argparse.Namespace) -> Subjects:
    sources: dict[str, CredentialSource] = {}
    for name, prefix in ((PRIMARY, ""), (SECONDARY, "secondary_")):
        source = _subject(args, prefix)
        if source is not None:
            sources[name] = source
    if SECONDARY in sources and PRIMARY not in sources:
        raise UsageError("a secondary subject needs a primary one")
    return Subjects(sources)


def target_of(args: argparse.Namespace, vendor: VendorConfig | None) -> tuple[str, Subjects]:
    """(base URL, subjects): as the options give them, else as the vendor file does."""
    block = block_name(args.bb) if args.bb else None
    config = block_of(vendor, block) if block else None
    base_url = args.base_url or (config.base_url if config is not None else None)
    if not base_url:
        raise UsageError(
            f"{'--bb' if args.bb else '--spec'} needs --base-url URL (where the implementation "
            "runs), or its base_url "
            f"(identity: issuer) in the vendor file (--config, ./{DEFAULT_NAME})"
        )
    subjects = build_subjects(args)
    if not list(subjects) and block is not None:
        issuer = base_url if block == "identity" else (args.identity or identity_url(vendor))
        subjects = vendor_subjects(vendor, block, issuer)
    return base_url, subjects


def build_config(args: argparse.Namespace) -> RunConfig:
    vendor = read_vendor(args)
    base_url, subjects = target_of(args, vendor)
    login_driver = login_driver_choice(args, vendor=vendor)
    if args.bb:
        profile, spec = resolve_block(args.bb)
    else:
        profile, spec = None, load_spec(args.spec, ref_root=args.ref_root)
    return RunConfig(
        spec=spec,
        base_url=base_url,
        profile=profile,
        subjects=subjects,
        seed=args.seed,
        max_examples=args.max_examples,
        max_time=args.max_time,
        workers=args.workers,
        request_timeout=args.request_timeout,
        shard=args.shard,
        login_driver=login_driver,
        vendor=vendor,
        restart=restart_hook(vendor, block_name(args.bb)) if args.bb else None,
        budget_started=conformance.cli.STARTED,
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


def main(args: argparse.Namespace) -> int:
    if args.shard is not None and args.signing_key is not None:
        return _fail(
            f"--signing-key with --shard {args.shard.index}/{args.shard.count}: a shard is a part "
            "of a run, not a verdict; sign the merged report instead "
            "(gdi-conformance merge REPORT... --out FILE --signing-key KEY)"
        )
    try:
        config = build_config(args)
        key = signing_key(args)  # an unusable key is refused before anything is tested
    except (UsageError, SigningKeyError) as exc:
        return _fail(str(exc))
    except ProfileError as exc:
        return _fail(str(exc))
    except VendorConfigError as exc:
        return _fail(str(exc))
    except SpecLoadError as exc:
        return _fail(f"cannot use the spec: {exc}")
    if args.workers > 1 and args.shard is None:
        return run_in_processes(args, config.subjects.redactor, PROG)
    control = RunControl()
    display = ProgressDisplay()
    try:
        with stop_on_signals(control), display:
            report = run(config, control=control, listener=display.update)
    except TargetUnreachable as exc:
        if args.shard is None:  # a shard's parent says why, for the whole run
            written = _report_of_unreachable(config, args.report_dir, str(exc))
            if written is not None:
                print(f"{PROG}: report (incomplete, nothing judged): {written}", file=sys.stderr)
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
