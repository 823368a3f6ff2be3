"""Helpers of the identity-check tests: an engine-like context, and blocks to run against."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bb_support import engine_context

from building_blocks.common.process import BlockProcess
from conformance.client.credentials import Subjects
from conformance.engine.behaviour.identity import (  # noqa: F401  registers bb:identity:*
    client_auth,
    discovery,
    grants,
    introspection,
    tokens,
)
from conformance.engine.checks.active import ActiveContext
from conformance.results import Redactor
from fixtures.mutants.catalog import Mutant

REPOSITORY = Path(__file__).resolve().parents[3]
SEED = 20251129


@contextmanager
def identity_context(base_url: str, *, seed: int = SEED) -> Iterator[ActiveContext]:
    """What the engine hands an active check when it runs on the identity block."""
    with engine_context("identity", base_url, Subjects(redactor=Redactor()), seed=seed) as context:
        yield context


def child_environment(extra: dict[str, str]) -> dict[str, str]:
    """A block process's environment: this repository importable, no other block swapped."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not (name.startswith("GDI_") and name.endswith("_FACTORY"))
    }
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPOSITORY), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    )
    env.update(extra)
    return env


@contextmanager
def serve_identity(data_dir: Path, mutant: Mutant | None = None) -> Iterator[str]:
    """Base URL of the identity block (or the mutant) with its test login on."""
    extra = {mutant.environment_variable: mutant.factory} if mutant is not None else {}
    process = BlockProcess(
        "identity",
        data_dir=data_dir,
        enable_test_login=True,
        log_path=data_dir / "identity.log",
        env=child_environment(extra),
    )
    try:
        yield process.start(60)
    finally:
        process.stop()
