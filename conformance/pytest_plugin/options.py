"""The plugin's command-line options (``--gdi-*``), the same choices as ``gdi-conformance run``.

Adding them changes nothing about a pytest run: the plugin stays inert unless ``--gdi-bb`` or
``--gdi-spec`` is given.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

DEFAULT_SEED = 20240101  # fixed, so that the same command sends the same requests
DEFAULT_MAX_EXAMPLES = 10


def _subject_options(group: pytest.OptionGroup, prefix: str, who: str) -> None:
    dest = "gdi_" + prefix.replace("-", "_")
    group.addoption(
        f"--gdi-{prefix}header",
        dest=f"{dest}headers",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help=f"a header sent as {who} (repeatable)",
    )
    group.addoption(
        f"--gdi-{prefix}token-command",
        dest=f"{dest}token_command",
        metavar="CMD",
        help=f"a command that prints the bearer token of {who}",
    )
    group.addoption(
        f"--gdi-{prefix}client",
        dest=f"{dest}client",
        metavar="ID",
        help=f"client id of {who} at the identity block (with --gdi-identity)",
    )
    group.addoption(
        f"--gdi-{prefix}key",
        dest=f"{dest}key",
        metavar="KEYFILE",
        help=f"PEM private key of {who}'s client (private_key_jwt)",
    )
    group.addoption(
        f"--gdi-{prefix}scope",
        dest=f"{dest}scopes",
        action="append",
        default=[],
        metavar="SCOPE",
        help=f"a scope requested for {who} (repeatable)",
    )


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("gdi-conformance", "GDI conformance of a running implementation")
    group.addoption(
        "--gdi-bb",
        metavar="NAME[@vMAJOR]",
        help="check this building block of the catalogue (its spec and profile), e.g. messaging",
    )
    group.addoption(
        "--gdi-spec", metavar="PATH", help="check against this spec, with the generic profile"
    )
    group.addoption("--gdi-base-url", metavar="URL", help="where the implementation runs")
    group.addoption(
        "--gdi-seed",
        type=int,
        default=DEFAULT_SEED,
        metavar="N",
        help=f"seed of the generated cases (default: {DEFAULT_SEED})",
    )
    group.addoption(
        "--gdi-max-examples",
        type=int,
        default=DEFAULT_MAX_EXAMPLES,
        metavar="N",
        help=f"generated cases per operation and phase (default: {DEFAULT_MAX_EXAMPLES})",
    )
    group.addoption(
        "--gdi-max-time", type=float, metavar="S", help="stop the engine after S seconds"
    )
    group.addoption(
        "--gdi-request-timeout",
        type=float,
        default=10.0,
        metavar="S",
        help="seconds to wait for one answer (default: 10)",
    )
    group.addoption(
        "--gdi-report-dir", metavar="DIR", help="also write the engine's report.json here"
    )
    group.addoption(
        "--gdi-identity", metavar="URL", help="identity block that issues tokens (with client)"
    )
    _subject_options(group, "", "the primary subject")
    _subject_options(group, "secondary-", "the secondary subject (a second user)")
    group.addoption(
        "--gdi-login-driver",
        metavar="DRIVER",
        help=(
            "how the identity checks log test citizens in: test-login, module:callable, or an "
            "entry point name (default: $GDI_CONFORMANCE_LOGIN_DRIVER, else test-login)"
        ),
    )
    group.addoption(
        "--gdi-config",
        metavar="FILE",
        help=(
            "the vendor file: base URLs, test clients and keys, test users, login (default: "
            "./gdi-conformance.yaml when present)"
        ),
    )


def is_active(config: pytest.Config) -> bool:
    return bool(config.getoption("gdi_bb", None) or config.getoption("gdi_spec", None))


def as_run_arguments(config: pytest.Config) -> argparse.Namespace:
    """The options in the shape ``gdi-conformance run`` parses them into (same names)."""
    values: dict[str, object] = {
        "bb": config.getoption("gdi_bb"),
        "spec": Path(config.getoption("gdi_spec")) if config.getoption("gdi_spec") else None,
        "base_url": config.getoption("gdi_base_url"),
        "seed": config.getoption("gdi_seed"),
        "max_examples": config.getoption("gdi_max_examples"),
        "max_time": config.getoption("gdi_max_time"),
        "request_timeout": config.getoption("gdi_request_timeout"),
        "identity": config.getoption("gdi_identity"),
        "login_driver": config.getoption("gdi_login_driver"),
        "config": Path(config.getoption("gdi_config")) if config.getoption("gdi_config") else None,
    }
    for prefix in ("", "secondary_"):
        for name in ("headers", "token_command", "client", "scopes"):
            values[f"{prefix}{name}"] = config.getoption(f"gdi_{prefix}{name}")
        key = config.getoption(f"gdi_{prefix}key")
        values[f"{prefix}key"] = Path(key) if key else None
    return argparse.Namespace(**values)
