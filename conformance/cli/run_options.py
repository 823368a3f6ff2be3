"""The options of a run, declared once.

``gdi-conformance run``, ``certify``, ``interop`` (its ``--login-driver``) and the pytest plugin
(``--gdi-*``) build their options from ``RUN_OPTIONS``; ``run --workers N`` hands them on to its
shard processes with ``to_argv``. So an option is spelt, typed, defaulted and explained in one
place, and means the same wherever it is given. ``RunOptions`` holds the parsed values;
``conformance.cli.run_config.build_run_config`` turns them into the engine's ``RunConfig``.

The seed: not given, one is drawn at random when the options are read (``RunOptions.read``,
by the one seed policy, ``conformance.engine.fuzzing.seed``), so that the whole command (every
block of ``certify``, every shard of ``run --workers``) uses the one seed, which is printed and
recorded in the report to reproduce the run with ``--seed``.

Light on purpose: the pytest plugin adds these options in every pytest run, and must load
nothing of the engine to do so but the seed policy, a module that imports nothing of ours and
no Schemathesis (a test holds it so).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from conformance.cli.argtypes import positive_float, positive_int
from conformance.engine.fuzzing.seed import resolve_seed

DEFAULT_MAX_EXAMPLES = 25  # as conformance.engine.config's; a test holds them equal
DEFAULT_REQUEST_TIMEOUT = 10.0
LOGIN_DRIVER_VARIABLE = "GDI_CONFORMANCE_LOGIN_DRIVER"  # see conformance.client.login
VENDOR_FILE = "gdi-conformance.yaml"  # see conformance.spec.vendor.DEFAULT_NAME

# Where an option is listed in --help.
WHAT, BUDGET, CREDENTIALS = "what", "budget", "credentials"


@dataclass(frozen=True, slots=True)
class RunOption:
    flag: str  # without its dashes or prefix: "max-examples" is --max-examples, --gdi-max-examples
    help: str  # names other options as --name; the pytest plugin's help says --gdi-name
    section: str
    type: Callable[[str], Any] | None = None
    default: Any = None
    metavar: str | None = None
    repeatable: bool = False  # given once per value; parsed into a list
    dest: str = ""  # default: the flag with underscores
    certify: bool = True  # certify tests building blocks of the catalogue only: no --spec

    @property
    def name(self) -> str:
        return self.dest or self.flag.replace("-", "_")

    def argparse_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"dest": self.name, "help": self.help}
        if self.repeatable:
            kwargs.update(action="append", default=[])
        else:
            kwargs["default"] = self.default
        if self.type is not None:
            kwargs["type"] = self.type
        if self.metavar is not None:
            kwargs["metavar"] = self.metavar
        return kwargs


def _subject_options(prefix: str, who: str) -> tuple[RunOption, ...]:
    dest = prefix.replace("-", "_")
    return (
        RunOption(
            f"{prefix}header",
            f"a header sent as {who} (repeatable)",
            CREDENTIALS,
            metavar="'NAME: VALUE'",
            repeatable=True,
            dest=f"{dest}headers",
        ),
        RunOption(
            f"{prefix}token-command",
            f"a command that prints the bearer token of {who} (run without a shell)",
            CREDENTIALS,
            metavar="CMD",
        ),
        RunOption(
            f"{prefix}client",
            f"client id of {who} at the identity block (with --identity)",
            CREDENTIALS,
            metavar="ID",
        ),
        RunOption(
            f"{prefix}key",
            f"PEM private key of {who}'s client (private_key_jwt)",
            CREDENTIALS,
            type=Path,
            metavar="KEYFILE",
        ),
        RunOption(
            f"{prefix}scope",
            f"a scope requested for {who} (repeatable)",
            CREDENTIALS,
            metavar="SCOPE",
            repeatable=True,
            dest=f"{dest}scopes",
        ),
    )


LOGIN_DRIVER = RunOption(
    "login-driver",
    "how the identity checks log test citizens in: test-login, module:callable, or an entry "
    f"point name (default: ${LOGIN_DRIVER_VARIABLE}, else test-login)",
    CREDENTIALS,
    metavar="DRIVER",
)

RUN_OPTIONS: tuple[RunOption, ...] = (
    RunOption(
        "bb",
        "a building block of the catalogue (its spec and profile), e.g. messaging@v1",
        WHAT,
        metavar="NAME[@vMAJOR]",
    ),
    RunOption(
        "spec",
        "a spec file, checked with the generic profile",
        WHAT,
        type=Path,
        metavar="PATH",
        certify=False,
    ),
    RunOption(
        "ref-root",
        "with --spec: let $refs also read local files below DIR (by default only below the "
        "spec's own folder)",
        WHAT,
        type=Path,
        metavar="DIR",
        certify=False,
    ),
    RunOption(
        "base-url",
        "where the implementation runs (identity: the issuer); default: the vendor file's",
        WHAT,
        metavar="URL",
    ),
    RunOption(
        "config",
        "the vendor file: base URLs, test clients and keys, test users, login, waivers "
        f"(default: ./{VENDOR_FILE} when present)",
        WHAT,
        type=Path,
        metavar="FILE",
    ),
    RunOption(
        "seed",
        "seed of the generated cases (default: random; printed and recorded in the report, "
        "so that --seed repeats the run)",
        BUDGET,
        type=int,
        metavar="N",
    ),
    RunOption(
        "max-examples",
        f"generated cases per operation and phase (default: {DEFAULT_MAX_EXAMPLES})",
        BUDGET,
        type=positive_int,
        default=DEFAULT_MAX_EXAMPLES,
        metavar="N",
    ),
    RunOption(
        "max-time",
        "stop after S seconds (certify: per block); the report is then marked incomplete",
        BUDGET,
        type=positive_float,
        metavar="S",
    ),
    RunOption(
        "threads",
        "Schemathesis's worker threads within one process (default: 1)",
        BUDGET,
        type=positive_int,
        default=1,
        metavar="N",
    ),
    RunOption(
        "request-timeout",
        "seconds to wait for one answer (default: 10)",
        BUDGET,
        type=positive_float,
        default=DEFAULT_REQUEST_TIMEOUT,
        metavar="S",
    ),
    RunOption(
        "identity",
        "identity block that issues tokens (with --client)",
        CREDENTIALS,
        metavar="URL",
    ),
    *_subject_options("", "the primary subject"),
    *_subject_options("secondary-", "the secondary subject (a second user)"),
    LOGIN_DRIVER,
)
BY_FLAG: Mapping[str, RunOption] = {option.flag: option for option in RUN_OPTIONS}
BY_NAME: Mapping[str, RunOption] = {option.name: option for option in RUN_OPTIONS}


@dataclass(frozen=True, slots=True)
class RunOptions:
    """The values of ``RUN_OPTIONS`` (one field per option, by its name), the seed drawn."""

    bb: str | None
    spec: Path | None
    ref_root: Path | None
    base_url: str | None
    config: Path | None
    seed: int
    max_examples: int
    max_time: float | None
    threads: int
    request_timeout: float
    identity: str | None
    headers: tuple[str, ...]
    token_command: str | None
    client: str | None
    key: Path | None
    scopes: tuple[str, ...]
    secondary_headers: tuple[str, ...]
    secondary_token_command: str | None
    secondary_client: str | None
    secondary_key: Path | None
    secondary_scopes: tuple[str, ...]
    login_driver: str | None

    @classmethod
    def read(cls, value_of: Callable[[str], Any]) -> RunOptions:
        """From ``value_of(name)`` for every option (an argparse namespace's, pytest's)."""
        values: dict[str, Any] = {}
        for option in RUN_OPTIONS:
            value = value_of(option.name)
            values[option.name] = tuple(value or ()) if option.repeatable else value
        values["seed"] = resolve_seed(values["seed"])
        return cls(**values)

    @classmethod
    def of(cls, **given: Any) -> RunOptions:
        """The options ``given`` (by name), every other at its default."""
        unknown = set(given) - option_names()
        if unknown:
            raise TypeError(f"not run options: {', '.join(sorted(unknown))}")
        return cls.read(lambda name: given.get(name, BY_NAME[name].default))

    @classmethod
    def from_namespace(cls, args: argparse.Namespace) -> RunOptions:
        """From a command's parsed arguments (an option it does not have: not given)."""
        return cls.read(lambda name: getattr(args, name, None))


def option_names() -> set[str]:
    return {option.name for option in RUN_OPTIONS}


class _AddsArguments(Protocol):
    def add_argument(self, *names: str, **kwargs: Any) -> Any: ...


ArgumentGroup = argparse.ArgumentParser | argparse._ArgumentGroup


def add_run_options(command: str, sections: Mapping[str, ArgumentGroup]) -> None:
    """The table's options on ``command``'s parser (run or certify), each in its --help
    section. ``run`` needs what to test: --bb or --spec, one of them."""
    target = sections[WHAT]
    if command == "run":
        group = target.add_mutually_exclusive_group(required=True)
        for option in RUN_OPTIONS:
            if option.flag in ("bb", "spec"):
                group.add_argument(f"--{option.flag}", **option.argparse_kwargs())
    for option in RUN_OPTIONS:
        if command == "certify" and not option.certify:
            continue
        if command == "run" and option.flag in ("bb", "spec"):
            continue
        where = sections.get(option.section, target)
        where.add_argument(f"--{option.flag}", **option.argparse_kwargs())


def add_option(parser: _AddsArguments, flag: str) -> None:
    """One option of the table, on a command that takes only it (interop's --login-driver)."""
    option = BY_FLAG[flag]
    parser.add_argument(f"--{option.flag}", **option.argparse_kwargs())


class _AddsOptions(Protocol):
    def addoption(self, *names: str, **kwargs: Any) -> None: ...


PYTEST_PREFIX = "gdi-"
_OPTION_IN_HELP = re.compile(r"--(?=[a-z])")


def add_pytest_options(group: _AddsOptions) -> None:
    """The table's options for pytest: --gdi-<flag>, stored as gdi_<name>."""
    for option in RUN_OPTIONS:
        kwargs = option.argparse_kwargs()
        kwargs["dest"] = pytest_dest(option.name)
        kwargs["help"] = _OPTION_IN_HELP.sub(f"--{PYTEST_PREFIX}", option.help)
        group.addoption(f"--{PYTEST_PREFIX}{option.flag}", **kwargs)


def pytest_dest(name: str) -> str:
    return PYTEST_PREFIX.replace("-", "_") + name


def to_argv(options: RunOptions) -> list[str]:
    """``options`` as the arguments of a ``run`` that parses back into the same options."""
    argv: list[str] = []
    for option in RUN_OPTIONS:
        value = getattr(options, option.name)
        values: Iterable[Any] = value if option.repeatable else (() if value is None else (value,))
        for item in values:
            argv.append(f"--{option.flag}={item}")  # "=": a value may begin with a dash
    return argv
