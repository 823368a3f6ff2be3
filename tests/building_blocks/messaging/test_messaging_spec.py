"""The messaging spec itself: valid OpenAPI, clean under our ADR linter, consistent with its
profile, and served by the block that `gdi-conformance serve messaging` runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml
from openapi_spec_validator import validate
from support.issuer import fake_issuer

from building_blocks.common.registry import load_block
from conformance.cli import main as cli_main
from conformance.paths import specs_root

SPEC = specs_root() / "messaging" / "v1" / "openapi.yaml"
PROFILE = specs_root() / "messaging" / "v1" / "profile.yaml"


def load(path: Path) -> dict:
    document: dict = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


def test_the_spec_is_valid_openapi_3_0_3() -> None:
    document = load(SPEC)
    assert document["openapi"] == "3.0.3"
    validate(document)


def test_our_linter_finds_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["lint", "--format", "json", str(SPEC)]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_our_linter_notices_a_missing_version_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = load(SPEC)
    del document["paths"]["/messages"]["post"]["responses"]["201"]["headers"]["API-Version"]
    broken = tmp_path / "openapi.yaml"
    broken.write_text(yaml.safe_dump(document), encoding="utf-8")
    assert cli_main(["lint", "--format", "json", str(broken)]) == 1
    assert "version" in capsys.readouterr().out.lower()


def test_no_path_or_query_parameter_can_carry_a_bsn() -> None:
    document = load(SPEC)
    for path, item in document["paths"].items():
        assert "bsn" not in path.lower()
        for operation in (value for key, value in item.items() if key != "parameters"):
            for parameter in operation.get("parameters", []):
                assert "$ref" in parameter or parameter["in"] == "header"
    for name, parameter in document["components"]["parameters"].items():
        if parameter["in"] in ("path", "query"):
            assert "bsn" not in json.dumps(parameter).lower(), name


def test_every_profile_operation_exists_and_ids_are_unique() -> None:
    spec, profile = load(SPEC), load(PROFILE)
    operation_ids = {
        operation["operationId"]
        for item in spec["paths"].values()
        for key, operation in item.items()
        if key != "parameters"
    }
    ids = [requirement["id"] for requirement in profile["requirements"]]
    assert len(ids) == len(set(ids))
    for requirement in profile["requirements"]:
        assert set(requirement.get("operations", [])) <= operation_ids, requirement["id"]


def test_the_block_is_registered_for_serve() -> None:
    import building_blocks.messaging as messaging

    assert load_block("messaging") is messaging.create_app


@pytest.mark.slow
def test_serve_messaging_runs_the_block(tmp_path: Path) -> None:
    with fake_issuer() as issuer:
        command = [
            sys.executable, "-m", "conformance", "serve", "messaging", "--port", "0",
            "--data-dir", str(tmp_path), "--identity", issuer.identity_url,
        ]  # fmt: skip
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            base_url = line.split()[-1]
            assert base_url.endswith("/messaging/v1"), line
            response = httpx.get(f"{base_url}/openapi.json", timeout=10, trust_env=False)
            assert response.status_code == 200
            assert response.json()["info"]["title"] == "GDI Messaging"
        finally:
            process.terminate()
            process.communicate(timeout=15)
