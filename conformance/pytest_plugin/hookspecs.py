"""Hooks a vendor implements in a conftest.py to extend a conformance run under pytest.

Implement them as plain functions in a ``conftest.py`` at the root of the run (or in a plugin)::

    def pytest_gdi_register_checks(registry, config):
        @registry.check("acme:health", requirement="ACME-001", statement="GET /health is 200.")
        def health(ctx):
            exchange = ctx.http.send("GET", ctx.url("/health"))
            ...
            yield Observation(check="acme:health", outcome=Outcome.PASSED, exchange=exchange)

    def pytest_gdi_configure_auth(sources, config):
        sources["primary"] = StaticHeaders({"Authorization": "Bearer " + fetch_my_token()})

See docs/pytest-plugin.md for the whole interface.
"""

from __future__ import annotations

from typing import Any

import pytest


def pytest_gdi_register_checks(registry: Any, config: pytest.Config) -> None:
    """Register extra checks with ``registry`` (a ``conformance.pytest_plugin.CheckRegistry``).

    Each check is an active check of the engine: a function taking the engine's
    ``ActiveContext`` and yielding ``Observation``s. It proves an existing requirement of the
    profile (named by ``requirement``) or a new one (give ``statement`` and ``level`` too);
    either way it shows up as test items of that requirement. Called in every process of the
    session (xdist workers included), so registration must not depend on which one.
    """


def pytest_gdi_configure_auth(sources: dict[str, Any], config: pytest.Config) -> None:
    """Change the run's credentials: ``sources`` maps subject names (``primary``,
    ``secondary``, ...) to credential sources (``conformance.engine.StaticHeaders``,
    ``TokenCommand``, ``IdentityClient`` or any object with ``headers()``, ``describe()`` and
    ``kind``), already filled from the ``--gdi-*`` auth options. Change it in place."""


def pytest_gdi_report(report: Any, config: pytest.Config) -> None:
    """Called once with the ``RunReport`` of the engine run, before any item is judged, in the
    process that ran the engine."""
