"""Blocks for the interop tests: reference implementations and mutants, as child processes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from building_blocks.common.process import BlockProcess

REPOSITORY = Path(__file__).resolve().parents[2]
SEED = 20251129


def child_environment(factory: str | None, block: str) -> dict[str, str]:
    """This repository importable (for the mutants); ``factory`` serves a mutant as ``block``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not (name.startswith("GDI_") and name.endswith("_FACTORY"))
    }
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPOSITORY), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    )
    if factory is not None:
        env[f"GDI_{block.upper()}_FACTORY"] = f"fixtures.mutants.{factory}:create_app"
    return env


@contextmanager
def serve(
    block: str, data_dir: Path, *, identity_url: str | None = None, mutant: str | None = None
) -> Iterator[str]:
    """Base URL of ``block`` (the mutant ``fixtures.mutants.<mutant>`` when given)."""
    process = BlockProcess(
        block,
        data_dir=data_dir / block,
        identity_url=identity_url,
        enable_test_login=block == "identity",
        log_path=data_dir / f"{block}.log",
        env=child_environment(mutant, block),
    )
    try:
        yield process.start(60)
    finally:
        process.stop()


@dataclass(frozen=True)
class Trio:
    """Base URLs of one identity, registries and messaging block wired together."""

    identity: str
    registries: str
    messaging: str
