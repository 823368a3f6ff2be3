"""Schemathesis, every check and every phase (stateful included), finds nothing to fault."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from messaging_support import ORG_B, Messaging

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent


def test_schemathesis_all_checks_all_phases_zero_failures(
    messaging: Messaging, tmp_path: Path
) -> None:
    # The token's organisation also receives messages, so that the links from the inbox
    # listing lead the stateful phase to the recipient's operations (mark read, delete).
    token = messaging.issuer.token(
        scope="messaging:send messaging:read messaging:subscribe",
        oin=ORG_B,
        expires_in=3600,
    )
    for _ in range(5):
        response = messaging.send(("oin", ORG_B), token=messaging.org_token())
        assert response.status_code == 201
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "messaging_schemathesis_hooks",
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
        "NO_COLOR": "1",
    }
    junit_path = tmp_path / "schemathesis.xml"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        messaging.url("/openapi.json"),
        "--url",
        messaging.base_url,
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        "25",
        "--seed",
        "20251129",
        "--workers",
        "1",
        "--report",
        "junit",
        "--report-junit-path",
        str(junit_path),
    ]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    output = result.stdout + result.stderr
    assert token not in output  # Schemathesis filters the Authorization header
    assert result.returncode == 0, output
    assert re.search(r"Test cases:\s+(\d+) generated, \1 passed", output), output
    assert "Stateful" in output and "Scenarios:" in output, output
    suites = ElementTree.parse(junit_path).getroot()
    cases = suites.findall(".//testcase")
    assert len(cases) >= 9  # every operation was tested
    assert [case.get("name") for case in cases if case.find("failure") is not None] == []
    assert [case.get("name") for case in cases if case.find("error") is not None] == []
