"""Helpers of the identity-check tests: an engine-like context, and blocks to run against."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from building_blocks.common.process import BlockProcess
from conformance.client.credentials import Subjects
from conformance.engine.behaviour.identity import (  # noqa: F401  (registers bb:identity:*)
    client_auth,
    discovery,
    grants,
    introspection,
    tokens,
)
from conformance.engine.checks.active import ACTIVE_CHECKS, ActiveContext, Observation
from conformance.engine.openapi.operations import list_operations
from conformance.httplimits import HttpClient
from conformance.paths import specs_root
from conformance.results import Outcome, Redactor
from conformance.spec import load_spec
from fixtures.mutants.catalog import Mutant

REPOSITORY = Path(__file__).resolve().parents[3]
SEED = 20251129


@contextmanager
def identity_context(base_url: str, *, seed: int = SEED) -> Iterator[ActiveContext]:
    """What the engine hands an active check when it runs on the identity block."""
    spec = load_spec(specs_root() / "identity" / "v1" / "openapi.yaml")
    with HttpClient(timeout=10.0, max_response_bytes=1024 * 1024) as http:
        yield ActiveContext(
            base_url=base_url,
            document=spec.bundled,
            api_version=str(spec.bundled["info"]["version"]),
            operations=list_operations(spec.bundled),
            subjects=Subjects(redactor=Redactor()),
            http=http,
            exchanges=None,
            spec=spec,
            seed=seed,
        )


def run_check(check_id: str, context: ActiveContext) -> list[Observation]:
    return list(ACTIVE_CHECKS[check_id](context))


def describe(observations: list[Observation]) -> str:
    return "\n".join(
        f"{item.outcome.value}: {item.title}: {item.message}"
        for item in observations
        if item.outcome in (Outcome.FAILED, Outcome.ERROR)
    )


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
