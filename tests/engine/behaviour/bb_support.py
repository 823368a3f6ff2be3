"""Helpers of the behaviour-check tests: real blocks (or mutants), a context like the engine's.

The checks are called the way the engine calls them (``ACTIVE_CHECKS[id](context)``) against
blocks in child processes; a mutant from ``fixtures/mutants`` is served under the block's
name through ``GDI_<BLOCK>_FACTORY``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from building_blocks.common.process import BlockProcess
from conformance.client.credentials import IdentityClient, Subjects
from conformance.engine.checks.active import ACTIVE_CHECKS, ActiveContext, Observation
from conformance.engine.openapi.operations import list_operations
from conformance.httplimits import HttpClient
from conformance.paths import seed_root, specs_root
from conformance.results import Outcome
from conformance.spec import load_spec
from fixtures.mutants.catalog import Mutant

REPOSITORY = Path(__file__).resolve().parents[3]
KEYS = seed_root() / "identity" / "keys"
SEED = 424242


def child_environment(block: str, mutant: str | None) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not (name.startswith("GDI_") and name.endswith("_FACTORY"))
    }
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPOSITORY), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    )
    if mutant is not None:
        env[f"GDI_{block.upper()}_FACTORY"] = f"fixtures.mutants.{mutant}:create_app"
    return env


@contextmanager
def serve(
    block: str, data_dir: Path, identity_url: str, mutant: str | None = None
) -> Iterator[str]:
    """Base URL of ``block`` (or ``mutant`` of it) in a child process, stopped afterwards."""
    process = BlockProcess(
        block,
        data_dir=data_dir,
        identity_url=identity_url,
        log_path=data_dir / f"{block}.log",
        env=child_environment(block, mutant),
    )
    try:
        yield process.start(60.0)
    finally:
        process.stop()


@contextmanager
def behaviour_context(
    block: str, base_url: str, identity_url: str, *, seed: int = SEED
) -> Iterator[ActiveContext]:
    """A context as the engine builds it, whose primary subject takes tokens from identity."""
    key = KEYS / "gemeente-utrecht.key.pem"
    subjects = Subjects({"primary": IdentityClient(identity_url, "gemeente-utrecht", key)})
    with engine_context(block, base_url, subjects, seed=seed) as context:
        yield context


@contextmanager
def engine_context(
    block: str, base_url: str, subjects: Subjects, *, seed: int = SEED
) -> Iterator[ActiveContext]:
    """What the engine hands an active check on ``block`` at ``base_url``."""
    spec = load_spec(specs_root() / block / "v1" / "openapi.yaml")
    with HttpClient(timeout=10.0, max_response_bytes=1024 * 1024) as http:
        yield ActiveContext(
            base_url=base_url,
            document=spec.bundled,
            api_version=str(spec.bundled["info"]["version"]),
            operations=list_operations(spec.bundled),
            subjects=subjects,
            http=http,
            exchanges=None,
            spec=spec,
            seed=seed,
        )


def run_check(check_id: str, context: ActiveContext) -> list[Observation]:
    return list(ACTIVE_CHECKS[check_id](context))


def outcomes(observations: list[Observation]) -> set[Outcome]:
    """The judged outcomes: a login a check made is shown in the report, not judged."""
    return {item.outcome for item in judged(observations)}


def judged(observations: list[Observation]) -> list[Observation]:
    return [item for item in observations if item.login is None]


def describe(observations: list[Observation]) -> str:
    """Failures and errors, for an assertion message."""
    return (
        "\n".join(
            f"{item.outcome.value}: {item.title}: {item.message}"
            for item in observations
            if item.outcome in (Outcome.FAILED, Outcome.ERROR)
        )
        or "(no failure and no error)"
    )


def assert_passes(check_id: str, context: ActiveContext) -> None:
    observations = run_check(check_id, context)
    assert outcomes(observations) == {Outcome.PASSED}, describe(observations)


def assert_mutant_flagged(mutant: Mutant, profile: Any, identity_url: str, tmp_path: Path) -> None:
    """The mutant's block, served on its own, fails the check that must catch it, with the
    exchange that shows it; the check belongs to the requirement the mutant names."""
    requirement = next(item for item in profile.requirements if item.id == mutant.requirement)
    assert mutant.check in requirement.checks
    with (
        serve(mutant.block, tmp_path, identity_url, mutant.name) as base_url,
        behaviour_context(mutant.block, base_url, identity_url) as context,
    ):
        observations = run_check(mutant.check, context)
    failures = [item for item in observations if item.outcome is Outcome.FAILED]
    assert failures, describe(observations)
    assert all(item.exchange is not None and item.title for item in failures)
