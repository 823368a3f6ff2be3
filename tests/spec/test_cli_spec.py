"""``gdi-conformance spec``: what the loader reads from a spec, and its exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from textwrap import dedent

import pytest

from conformance.cli import main

SPEC = dedent(
    """\
    openapi: 3.0.3
    info: {title: Pets, version: 1.2.0}
    paths:
      /pets:
        get:
          operationId: listPets
          responses:
            '200':
              description: ok
              content:
                application/json:
                  schema: {$ref: 'pet.yaml'}
    """
)


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    (tmp_path / "pet.yaml").write_text("type: object\n")
    path = tmp_path / "openapi.yaml"
    path.write_text(SPEC)
    return path


def test_json_summary(spec_file: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["spec", str(spec_file), "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["title"] == "Pets"
    assert summary["version"] == "1.2.0"
    assert summary["openapi"] == "3.0.3"
    assert summary["operations"] == 1
    assert summary["files"] == [str(spec_file), str(spec_file.parent / "pet.yaml")]
    assert len(summary["sha256"]) == 64


def test_text_summary(spec_file: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["spec", str(spec_file)]) == 0
    out = capsys.readouterr().out
    assert "title:      Pets" in out
    assert "operations: 1" in out


def test_bundle_prints_one_self_contained_document(
    spec_file: Path, capsys: pytest.CaptureFixture[str]
):
    assert main(["spec", str(spec_file), "--bundle"]) == 0
    bundled = json.loads(capsys.readouterr().out)
    content = bundled["paths"]["/pets"]["get"]["responses"]["200"]["content"]
    assert content["application/json"]["schema"] == {"type": "object"}


def test_validate_passes_a_valid_spec(spec_file: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["spec", str(spec_file), "--validate"]) == 0
    assert "0 structural problem(s)" in capsys.readouterr().out


def test_validate_fails_a_structurally_broken_spec(
    spec_file: Path, capsys: pytest.CaptureFixture[str]
):
    spec_file.write_text(SPEC.replace("description: ok", "description: [not, text]"))
    assert main(["spec", str(spec_file), "--validate"]) == 1
    out = capsys.readouterr().out
    assert f"{spec_file}:9:23: oas3-schema: " in out
    assert "(at paths./pets.get.responses[200].description)" in out
    assert "1 structural problem(s)" in out
