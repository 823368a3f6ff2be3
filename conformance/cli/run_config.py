"""From parsed run options (``conformance.cli.run_options``) to the engine's ``RunConfig``.

``build_run_config`` is the one place where option values become a run's settings, for
``run``, ``certify`` and the pytest plugin alike; the helpers before it resolve what the options
name (credentials, the base URL, the spec, the login driver), with the vendor file where the
options leave something out.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conformance.cli.run_options import RunOptions
from conformance.cli.vendor_file import (
    block_name,
    block_of,
    identity_url,
    read_vendor,
    vendor_subjects,
)
from conformance.client.credentials import (
    PRIMARY,
    SECONDARY,
    CredentialSource,
    IdentityClient,
    StaticHeaders,
    Subjects,
    TokenCommand,
)
from conformance.client.login import ENVIRONMENT_VARIABLE, LoginDriverError, driver_for
from conformance.engine.config import RunConfig
from conformance.engine.fuzzing.sharding import Shard
from conformance.spec import LoadedSpec, load_spec
from conformance.spec.catalog import resolve_block
from conformance.spec.profile import Profile
from conformance.spec.vendor import DEFAULT_NAME, VendorConfig

__all__ = [
    "UsageError",
    "build_run_config",
    "build_subjects",
    "login_driver_choice",
    "read_vendor",
    "spec_of",
    "target_of",
]


class UsageError(Exception):
    """A bad combination of arguments; the message says which."""


def login_driver_choice(
    options: RunOptions,
    option: str = "--login-driver",
    vendor: VendorConfig | None = None,
) -> str | None:
    """``options.login_driver`` as given, once the driver it names (or the vendor file's, or
    the environment's) loads; a bad one is a usage error that says where it came from."""
    try:
        driver_for(options.login_driver, vendor)
    except LoginDriverError as exc:
        source = option if options.login_driver else ENVIRONMENT_VARIABLE
        given = options.login_driver
        raise UsageError(exc if vendor and not given else f"{source}: {exc}") from exc
    return options.login_driver


def parse_header(text: str) -> tuple[str, str]:
    name, separator, value = text.partition(":")
    if not separator or not name.strip() or any(char.isspace() for char in name.strip()):
        raise UsageError(f"--header {text!r}: expected 'Name: value'")
    return name.strip(), value.strip()


def _subject(options: RunOptions, prefix: str) -> CredentialSource | None:
    headers = dict(parse_header(item) for item in getattr(options, f"{prefix}headers"))
    token_command = getattr(options, f"{prefix}token_command")
    client = getattr(options, f"{prefix}client")
    key: Path | None = getattr(options, f"{prefix}key")
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
        if not options.identity:
            raise UsageError(f"{option}client needs --identity URL")
        if not key.is_file():
            raise UsageError(f"{option}key {key}: no such file")
        scopes = tuple(getattr(options, f"{prefix}scopes"))
        return IdentityClient(options.identity, client, key, scopes)
    if token_command:
        return TokenCommand(token_command)
    if headers:
        return StaticHeaders(headers)
    return None


def build_subjects(options: RunOptions) -> Subjects:
    """The subjects the credential options give (none given: no subject)."""
    sources: dict[str, CredentialSource] = {}
    for name, prefix in ((PRIMARY, ""), (SECONDARY, "secondary_")):
        source = _subject(options, prefix)
        if source is not None:
            sources[name] = source
    if SECONDARY in sources and PRIMARY not in sources:
        raise UsageError("a secondary subject needs a primary one")
    return Subjects(sources)


def base_url_of(options: RunOptions, vendor: VendorConfig | None) -> str | None:
    """--base-url, else the vendor file's for --bb."""
    block = block_of(vendor, block_name(options.bb)) if options.bb else None
    return options.base_url or (block.base_url if block is not None else None)


def subjects_of(options: RunOptions, vendor: VendorConfig | None, base_url: str) -> Subjects:
    """The credential options' subjects, else the vendor file's test clients for --bb."""
    subjects = build_subjects(options)
    if not list(subjects) and options.bb:
        block = block_name(options.bb)
        issuer = base_url if block == "identity" else (options.identity or identity_url(vendor))
        subjects = vendor_subjects(vendor, block, issuer)
    return subjects


def target_of(options: RunOptions, vendor: VendorConfig | None) -> tuple[str, Subjects]:
    """(base URL, subjects): as the options give them, else as the vendor file does."""
    base_url = base_url_of(options, vendor)
    if not base_url:
        raise UsageError(
            f"{'--bb' if options.bb else '--spec'} needs --base-url URL (where the "
            "implementation runs), or its base_url "
            f"(identity: issuer) in the vendor file (--config, ./{DEFAULT_NAME})"
        )
    return base_url, subjects_of(options, vendor, base_url)


def spec_of(options: RunOptions) -> tuple[Profile | None, LoadedSpec]:
    """(profile, spec) of --bb, or of --spec (None: the generic profile)."""
    if options.bb:
        return resolve_block(options.bb)
    if options.spec is None:
        raise UsageError("say what to test: --bb NAME or --spec PATH")
    return None, load_spec(options.spec, ref_root=options.ref_root)


def build_run_config(
    options: RunOptions,
    *,
    spec: LoadedSpec,
    profile: Profile | None,
    base_url: str,
    subjects: Subjects,
    vendor: VendorConfig | None,
    spec_label: str | None = None,
    shard: Shard | None = None,
    restart: Callable[[], None] | None = None,
    budget_started: float | None = None,
    processes: int = 1,
) -> RunConfig:
    """The run the options ask for, of the target resolved from them (spec, profile, base URL,
    subjects, vendor file) and what only the command knows (its shard, a restart hook)."""
    return RunConfig(
        spec=spec,
        base_url=base_url,
        profile=profile,
        subjects=subjects,
        seed=options.seed,
        max_examples=options.max_examples,
        max_time=options.max_time,
        threads=options.threads,
        processes=processes,
        request_timeout=options.request_timeout,
        spec_label=spec_label,
        shard=shard,
        restart=restart,
        login_driver=options.login_driver,
        vendor=vendor,
        budget_started=budget_started,
    )
