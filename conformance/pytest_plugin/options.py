"""The plugin's command-line options: ``gdi-conformance run``'s, as ``--gdi-*``.

Built from the one table of run options (``conformance.cli.run_options``), so every option is
spelt, typed and defaulted as the command line's; only ``--gdi-report-dir`` is the plugin's own.
Adding them changes nothing about a pytest run: the plugin stays inert unless ``--gdi-bb`` or
``--gdi-spec`` is given.
"""

from __future__ import annotations

import pytest

from conformance.cli.run_options import RunOptions, add_pytest_options, pytest_dest


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("gdi-conformance", "GDI conformance of a running implementation")
    add_pytest_options(group)
    group.addoption(
        "--gdi-report-dir", metavar="DIR", help="also write the engine's report.json here"
    )


def is_active(config: pytest.Config) -> bool:
    return bool(config.getoption("gdi_bb", None) or config.getoption("gdi_spec", None))


def run_options(config: pytest.Config) -> RunOptions:
    """The ``--gdi-*`` run options' values (the seed drawn when not given)."""
    return RunOptions.read(lambda name: config.getoption(pytest_dest(name)))
