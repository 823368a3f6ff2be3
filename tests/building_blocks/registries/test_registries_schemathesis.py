"""Schemathesis, every check and every phase (stateful included), against the running register
with a valid token: the reference passes, and a variant that skips input validation does not."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from registries_helpers import AUDIENCE, DECLARE, OIN, SEARCHER
from support.issuer import fake_issuer
from support.services import running_blocks

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent


def _schemathesis(base_url: str, token: str, *options: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{base_url}/openapi.json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {token}",
        "--seed",
        "20240301",
        "--no-color",
        *options,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)


@pytest.fixture
def registry_url(tmp_path: Path) -> Iterator[tuple[str, str]]:
    with (
        fake_issuer() as issuer,
        running_blocks(tmp_path, ("registries",), identity_url=issuer.identity_url) as services,
    ):
        # An organisation that may also search (with a purpose), so every query type is reached.
        token = issuer.token(scope=f"{SEARCHER} {DECLARE}", aud=AUDIENCE, expires_in=3600, oin=OIN)
        yield services.base_url("registries"), token


def test_schemathesis_finds_no_failure_in_any_phase(registry_url: tuple[str, str]) -> None:
    base_url, token = registry_url
    result = _schemathesis(base_url, token, "--max-examples", "25")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "No issues found" in output
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in output, f"phase {phase} did not pass:\n{output[-6000:]}"
    assert "Scenarios:" in output  # the stateful phase ran scenarios over the spec's links


def test_schemathesis_fails_a_register_that_skips_input_validation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GDI_REGISTRIES_FACTORY", "registries_mutants:create_app_without_validation")
    monkeypatch.setenv("PYTHONPATH", str(HERE))
    with (
        fake_issuer() as issuer,
        running_blocks(tmp_path, ("registries",), identity_url=issuer.identity_url) as services,
    ):
        # An organisation that may also search (with a purpose), so every query type is reached.
        token = issuer.token(scope=f"{SEARCHER} {DECLARE}", aud=AUDIENCE, expires_in=3600, oin=OIN)
        result = _schemathesis(
            services.base_url("registries"),
            token,
            "--max-examples",
            "10",
            "--phases",
            "examples,coverage",
            "--max-failures",
            "1",
        )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-6000:]
    assert "Server error" in output or "schema-violating" in output, output[-6000:]
