"""Fixtures of the engine tests: the tasks target and a quick way to run the engine on it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tasks_target import TARGET_DIR, RunTarget, credentials, serve_tasks

from conformance.engine.catalogue import load_checks
from conformance.engine.running.runner import RunConfig, run
from conformance.results import RunReport
from conformance.spec import LoadedSpec, load_spec

# Tests call checks by id (ACTIVE_CHECKS[id]) without a run, which would load them itself.
load_checks()


@pytest.fixture(scope="session")
def tasks_spec() -> LoadedSpec:
    return load_spec(TARGET_DIR / "openapi.yaml")


@pytest.fixture
def run_target(tasks_spec: LoadedSpec, tmp_path: Path) -> RunTarget:
    """Run the engine against a fresh target with ``flaws``; small budgets keep tests fast."""

    def go(*flaws: str, **options: Any) -> RunReport:
        options.setdefault("spec", tasks_spec)
        options.setdefault("seed", 20240101)
        options.setdefault("max_examples", 5)
        options.setdefault("subjects", credentials())
        options.setdefault("hypothesis_dir", tmp_path / "hypothesis")
        with serve_tasks(*flaws) as (base_url, _app):
            return run(RunConfig(base_url=base_url, **options))

    return go
