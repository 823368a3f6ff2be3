"""bb:messaging:durability: the harness crashes the block through a restart command or the
run's restart hook (SIGKILL, same port and data); the reference keeps what it acknowledged, a
block that keeps it in a throwaway place does not, and without a way to crash the block the
check cannot be carried out (an error, not a pass)."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from bb_support import (
    behaviour_context,
    child_environment,
    describe,
    judged,
    outcomes,
    run_check,
    serve,
)
from support.ports import free_port

from building_blocks.common.process import BlockProcess
from conformance.results import Outcome
from conformance.spec.catalog import resolve_block
from fixtures.mutants.behaviour_catalog import BEHAVIOUR_MUTANTS

pytestmark = pytest.mark.slow
CHECK = "bb:messaging:durability"
RESTART = Path(__file__).with_name("crash_restart.py")
MUTANT = next(mutant for mutant in BEHAVIOUR_MUTANTS if mutant.check == CHECK)


@contextmanager
def restartable_messaging(
    tmp_path: Path, identity_url: str, mutant: str | None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Messaging started (and restartable) by the restart command; yields its base URL."""
    for name, value in child_environment("messaging", mutant).items():
        monkeypatch.setenv(name, value)
    port, pidfile = free_port(), tmp_path / "messaging.pid"
    server = [sys.executable, "-m", "building_blocks.common.server", "messaging"]
    server += ["--port", str(port), "--data-dir", str(tmp_path / "data")]
    server += ["--identity", identity_url]
    command = [sys.executable, str(RESTART), str(pidfile), str(tmp_path / "log"), str(port)]
    command += server
    monkeypatch.setenv("GDI_CONFORMANCE_RESTART_COMMAND", shlex.join(command))
    subprocess.run(command, check=True)
    base_url = f"http://127.0.0.1:{port}/messaging/v1"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base_url + "/openapi.json", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield base_url
    finally:
        os.kill(int(pidfile.read_text()), signal.SIGKILL)


@pytest.mark.parametrize(
    ("mutant", "outcome"), [(None, Outcome.PASSED), (MUTANT.name, Outcome.FAILED)]
)
def test_durability_across_a_crash(
    identity_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    mutant: str | None,
    outcome: Outcome,
) -> None:
    with (
        restartable_messaging(tmp_path, identity_url, mutant, monkeypatch) as base_url,
        behaviour_context("messaging", base_url, identity_url) as context,
    ):
        observations = run_check(CHECK, context)
    assert outcome in outcomes(observations), describe(observations)
    assert Outcome.ERROR not in outcomes(observations), describe(observations)


def test_the_mutant_breaks_a_requirement_that_names_the_check() -> None:
    profile, _ = resolve_block("messaging@v1")
    requirement = next(item for item in profile.requirements if item.id == MUTANT.requirement)
    assert CHECK in requirement.checks


def test_without_a_restart_command_durability_is_not_proven(
    identity_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GDI_CONFORMANCE_RESTART_COMMAND", raising=False)
    with behaviour_context("messaging", "http://127.0.0.1:9/messaging/v1", identity_url) as context:
        observations = run_check(CHECK, context)
    assert outcomes(observations) == {Outcome.ERROR}
    assert "GDI_CONFORMANCE_RESTART_COMMAND" in judged(observations)[0].message


@pytest.mark.parametrize(
    ("mutant", "outcome"), [(None, Outcome.PASSED), (MUTANT.name, Outcome.FAILED)]
)
def test_durability_across_a_crash_by_the_runs_restart_hook(
    identity_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    mutant: str | None,
    outcome: Outcome,
) -> None:
    """The hook a harness gives for a block it started itself (certify --reference): SIGKILL,
    then the same port and data directory."""
    monkeypatch.delenv("GDI_CONFORMANCE_RESTART_COMMAND", raising=False)
    process = BlockProcess(
        "messaging",
        data_dir=tmp_path / "data",
        identity_url=identity_url,
        log_path=tmp_path / "messaging.log",
        env=child_environment("messaging", mutant),
    )
    ended: list[int | None] = []

    def crash() -> None:
        process.kill()
        ended.append(process.returncode)
        process.start()

    base_url = process.start()
    try:
        with behaviour_context("messaging", base_url, identity_url) as context:
            context.restart = crash
            observations = run_check(CHECK, context)
    finally:
        process.stop()
    assert ended == [-signal.SIGKILL], "the block must be crashed, not stopped"
    assert outcome in outcomes(observations), describe(observations)
    assert Outcome.ERROR not in outcomes(observations), describe(observations)


def test_a_restart_hook_that_fails_leaves_durability_not_proven(
    identity_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GDI_CONFORMANCE_RESTART_COMMAND", raising=False)

    def broken() -> None:
        raise RuntimeError("the block would not start again")

    with (
        serve("messaging", tmp_path, identity_url) as base_url,
        behaviour_context("messaging", base_url, identity_url) as context,
    ):
        context.restart = broken
        observations = run_check(CHECK, context)
    assert outcomes(observations) == {Outcome.ERROR}, describe(observations)
    assert "would not start again" in judged(observations)[0].message
