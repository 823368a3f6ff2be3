"""Serve a reference block or one of its mutants for real and run the engine on it.

``IdentityService`` is one reference identity block (test login on) that every block under
test takes its tokens from; ``serve_block`` starts messaging or registries (or a second
identity block) as a child process, optionally as a mutant through ``GDI_<BLOCK>_FACTORY``;
``prepare`` puts the data a mutant's defect needs in place; ``run_engine`` runs the engine
with the block's catalogue profile, a fixed seed and a small budget.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from support.checkout import importable_fixtures

from building_blocks.common.process import BlockProcess
from conformance.client.credentials import PRIMARY, IdentityClient, Subjects
from conformance.client.oauth import client_credentials_token
from conformance.engine.profile import Profile
from conformance.engine.running.runner import RunConfig, run
from conformance.paths import seed_root
from conformance.results import RunReport
from conformance.spec.catalog import resolve_block
from fixtures.mutants.catalog import Mutant

KEYS = seed_root() / "identity" / "keys"
ORGANISATION = "gemeente-utrecht"
SEED = 20251129
SCOPES = {
    "identity": (),
    "messaging": ("messaging:send", "messaging:subscribe"),
    "registries": (
        "registries:read",
        "registries:declare",
        "registries:search",
        "doelbinding:burgerzaken",
    ),
}


def key(client: str) -> Path:
    return KEYS / f"{client}.key.pem"


@contextmanager
def identity_service(data_dir: Path) -> Iterator[str]:
    """A reference identity block (test login on) for the blocks under test to take tokens from."""
    with serve_block("identity", data_dir, identity_url=None) as url:
        yield url


def child_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a child process: fixtures importable, no factory override inherited."""
    env = dict(os.environ)
    for variable in [name for name in env if name.startswith("GDI_") and name.endswith("_FACTORY")]:
        del env[variable]
    paths = [importable_fixtures(), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.update(extra or {})
    return env


@contextmanager
def block_process(
    block: str,
    data_dir: Path,
    *,
    identity_url: str | None,
    mutant: Mutant | None = None,
) -> Iterator[BlockProcess]:
    """``block`` (the mutant when given) running in a child process."""
    extra = {mutant.environment_variable: mutant.factory} if mutant is not None else {}
    process = BlockProcess(
        block,
        data_dir=data_dir,
        identity_url=identity_url,
        enable_test_login=True,
        log_path=data_dir / f"{block}.log",
        env=child_environment(extra),
    )
    try:
        process.start(60)
        yield process
    finally:
        process.stop()


@contextmanager
def serve_block(
    block: str,
    data_dir: Path,
    *,
    identity_url: str | None,
    mutant: Mutant | None = None,
) -> Iterator[str]:
    """Base URL of ``block`` (the mutant when given) running in a child process."""
    with block_process(block, data_dir, identity_url=identity_url, mutant=mutant) as process:
        assert process.base_url is not None
        yield process.base_url


def crash_and_restart(process: BlockProcess) -> Callable[[], None]:
    """A run's restart hook for ``process``: SIGKILL, then the same port and data (as
    ``certify --reference`` gives one)."""

    def restart() -> None:
        process.kill()
        process.start(60)

    return restart


def subjects(block: str, identity_url: str) -> Subjects:
    """The organisation gemeente-utrecht, with the scopes the block's operations need."""
    source = IdentityClient(identity_url, ORGANISATION, key(ORGANISATION), SCOPES[block])
    return Subjects({PRIMARY: source})


def prepare(mutant: Mutant, base_url: str, identity_url: str) -> None:
    """Subscriptions of the primary subject, when the mutant's defect needs some to show."""
    if not mutant.subscriptions:
        return
    token = client_credentials_token(
        identity_url, ORGANISATION, key(ORGANISATION), ("messaging:subscribe",)
    )
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=auth, timeout=10) as client:
        for number in range(mutant.subscriptions):
            answer = client.post(
                "/subscriptions", json={"callbackUrl": f"http://127.0.0.1:9/events/{number}"}
            )
            assert answer.status_code == 201, answer.text


def only(profile: Profile, requirement: str) -> Profile:
    """The profile reduced to one requirement: the run carries out just that one's checks."""
    kept = tuple(item for item in profile.requirements if item.id == requirement)
    assert kept, f"{profile.name} has no requirement {requirement}"
    return dataclasses.replace(profile, requirements=kept)


def run_engine(
    block: str,
    base_url: str,
    subjects: Subjects,
    tmp_path: Path,
    *,
    requirement: str | None = None,
    phases: tuple[str, ...] = ("examples", "coverage", "fuzzing", "stateful"),
    max_examples: int = 3,
    seed: int = SEED,
    restart: Callable[[], None] | None = None,
) -> RunReport:
    profile, spec = resolve_block(block)
    return run(
        RunConfig(
            spec=spec,
            base_url=base_url,
            profile=only(profile, requirement) if requirement else profile,
            subjects=subjects,
            seed=seed,
            max_examples=max_examples,
            phases=phases,
            hypothesis_dir=tmp_path / "hypothesis",
            request_timeout=10.0,
            restart=restart,
        )
    )
