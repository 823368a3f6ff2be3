"""pytest plugin: a conformance run as test items (``pytest --gdi-bb NAME --gdi-base-url URL``).

Loaded in every pytest run through the ``pytest11`` entry point ``gdi_conformance``, so it
stays inert unless ``--gdi-bb`` or ``--gdi-spec`` is given: importing it loads nothing of the
engine, and without those options no hook does anything. With them, it collects one item per
requirement and operation of the profile (``items``), runs the engine once per session
(``runs``; under pytest-xdist once, in the controller, shared with every worker) and judges
each item from that run's report. Vendors extend it through the hooks in ``hookspecs``.
Usage: docs/pytest-plugin.md.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from conformance.pytest_plugin import hookspecs
from conformance.pytest_plugin.options import add_options, is_active, run_options

STATE = pytest.StashKey["Any"]()
WORKER_REPORT = "gdi_conformance_report"


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


class _State:
    """The session's target, registry and engine run (only when the plugin is active)."""

    def __init__(self, config: pytest.Config) -> None:
        from conformance.pytest_plugin.runs import CheckRegistry, EngineRun, load_target

        self.registry = CheckRegistry()
        config.hook.pytest_gdi_register_checks(registry=self.registry, config=config)
        self.options = run_options(config)
        self.target = load_target(self.options, self.registry)
        self.engine = EngineRun(config, self.options, self.target)
        self.shared_dir: Path | None = None
        stored = getattr(config, "workerinput", {}).get(WORKER_REPORT)
        if stored:
            self.engine.stored = Path(stored)


def pytest_configure(config: pytest.Config) -> None:
    if not is_active(config):
        return
    from conformance.pytest_plugin.runs import PluginUsageError

    config.addinivalue_line(
        "markers", "gdi_requirement(id): the conformance requirement a test item judges"
    )
    try:
        config.stash[STATE] = _State(config)
    except PluginUsageError as exc:
        raise pytest.UsageError(f"gdi-conformance: {exc}") from None


def _state(config: pytest.Config) -> _State | None:
    return config.stash.get(STATE, None)


def _is_xdist_controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput") and config.getoption("dist", "no") != "no"


def _run_or_exit(state: _State) -> None:
    from conformance.pytest_plugin.runs import CannotRun

    try:
        state.engine.report()
    except CannotRun as exc:
        pytest.exit(f"gdi-conformance: {exc}", returncode=2)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Under pytest-xdist the controller runs the engine before the workers start."""
    state = _state(session.config)
    if state is None or not _is_xdist_controller(session.config):
        return
    if session.config.option.collectonly:
        return
    _run_or_exit(state)
    state.shared_dir = Path(tempfile.mkdtemp(prefix="gdi-conformance-"))
    state.engine.store(state.shared_dir)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    state = _state(node.config)
    if state is not None and state.shared_dir is not None:
        node.workerinput[WORKER_REPORT] = str(state.shared_dir / "report.json")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    state = _state(config)
    if state is None:
        return
    from conformance.pytest_plugin.items import ConformanceCollector

    name = f"gdi:{Path(state.target.label).name}"
    collector = ConformanceCollector.from_parent(
        session,
        name=name,
        nodeid=name,
        target=state.target,
        engine=state.engine,
    )
    collected: list[pytest.Item | pytest.Collector] = list(collector.collect())
    # Reported like any collector's result, so that pytest counts the items it collected.
    session.ihook.pytest_collectreport(
        report=pytest.CollectReport(collector.nodeid, "passed", None, collected)
    )
    items.extend(item for item in collected if isinstance(item, pytest.Item))


def pytest_runtest_setup(item: pytest.Item) -> None:
    state = _state(item.config)
    if state is None:
        return
    from conformance.pytest_plugin.items import RequirementItem

    if isinstance(item, RequirementItem):
        _run_or_exit(state)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    state = _state(config)
    if state is None:
        return None
    profile = state.target.profile
    return [
        f"gdi-conformance: {profile.name} profile {profile.version} "
        f"({len(profile.requirements)} requirements) against {state.target.base_url}, "
        f"seed {state.options.seed}"
    ]


def pytest_unconfigure(config: pytest.Config) -> None:
    state = _state(config)
    if state is not None and state.shared_dir is not None:
        shutil.rmtree(state.shared_dir, ignore_errors=True)
