"""Schemathesis (CLI, every check, all four phases including stateful) finds nothing.

The userinfo endpoint needs a citizen's token, obtained through the code flow; the other
endpoints authenticate their client in the form body, which Schemathesis cannot sign, so they
are exercised with well-formed but unauthenticated requests (401) and every malformed variant.

One configuration entry expresses profile exception GDI-IDN-X02: once client and redirect URI
are verified, the authorization endpoint reports invalid input by a 302 to the client (RFC 6749
section 4.1.2.1), which therefore counts as a rejection there.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from identity_support import CITIZEN_BSN, PORTAL, key_file
from support.services import RunningBlocks

from conformance.client.oauth_code import citizen_token
from conformance.paths import specs_root

pytestmark = pytest.mark.slow

SPEC = specs_root() / "identity" / "v1" / "openapi.yaml"
NEGATIVE_DEFAULTS = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429"]
CONFIG = f"""
# Profile exception GDI-IDN-X02: invalid authorization requests are answered by a redirect.
[[operations]]
include-operation-id = "authorize"
checks.negative_data_rejection.expected-statuses = {[*NEGATIVE_DEFAULTS, "302"]!r}
"""


def schemathesis(
    tmp_path: Path, spec: Path, base_url: str, *args: str
) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG, encoding="utf-8")
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color",
        "run", str(spec), "--url", base_url, "--checks", "all", "--seed", "20261129",
        "--max-examples", "25", "--generation-database", "none", *args,
    ]  # fmt: skip
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    return subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=540, env=env, check=False
    )


def test_schemathesis_finds_no_failure(identity_blocks: RunningBlocks, tmp_path: Path) -> None:
    base_url = identity_blocks.base_url("identity")
    token = citizen_token(
        base_url, PORTAL, key_file(PORTAL), bsn=CITIZEN_BSN, scopes=["openid", "messaging:read"]
    )
    result = schemathesis(tmp_path, SPEC, base_url, "-H", f"Authorization: Bearer {token}")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in output, phase
    assert "Tested: 8" in output
    counts = re.search(r"(\d+) generated, (\d+) passed\n", output)
    assert counts is not None and counts[1] == counts[2] and int(counts[1]) > 100, output[-3000:]
    assert "Failures:" not in output
    assert token not in output  # the credential is never printed


def test_schemathesis_notices_a_spec_that_lies(
    identity_blocks: RunningBlocks, tmp_path: Path
) -> None:
    """The same run fails when the spec no longer documents what the server does."""
    document = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    del document["paths"]["/oidc/authorize"]["get"]["responses"]["403"]
    lying_spec = tmp_path / "openapi.yaml"
    lying_spec.write_text(yaml.safe_dump(document), encoding="utf-8")
    base_url = identity_blocks.base_url("identity")
    result = schemathesis(
        tmp_path, lying_spec, base_url, "--include-operation-id", "authorize",
        "--phases", "examples,coverage,fuzzing",
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-4000:]
    assert "Failures:" in output
    assert "Undocumented status code" in output and "Received: 403" in output, output[-4000:]
