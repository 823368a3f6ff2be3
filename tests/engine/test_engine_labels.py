"""Reports name specs and profiles by machine-independent labels, never by a local path."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest
from support.sample_reports import make_report
from tasks_target import TARGET_DIR, TOKEN, serve_tasks

from conformance.cli import main as cli_main
from conformance.engine.config import RunConfig
from conformance.engine.running.report import spec_label
from conformance.paths import specs_root
from conformance.results import write_report
from conformance.spec import load_spec
from conformance.spec.catalog import resolve_block
from conformance.spec.labels import label_path, portable_label


def test_catalogue_files_get_catalog_labels() -> None:
    profile, spec = resolve_block("messaging@v1")
    assert portable_label(spec.path) == "catalog:messaging/v1/openapi.yaml"
    assert profile.path is not None
    assert portable_label(profile.path) == "catalog:messaging/v1/profile.yaml"
    assert (
        label_path("catalog:messaging/v1/openapi.yaml")
        == specs_root() / "messaging/v1/openapi.yaml"
    )


def test_other_files_keep_a_relative_path_or_only_their_name(tmp_path: Path) -> None:
    nested = tmp_path / "work" / "apis" / "api.yaml"
    nested.parent.mkdir(parents=True)
    nested.write_text("x")
    assert portable_label(Path("apis/api.yaml"), cwd=tmp_path) == "apis/api.yaml"
    assert portable_label(nested, cwd=tmp_path / "work") == "apis/api.yaml"
    assert portable_label(nested, cwd=tmp_path / "elsewhere") == "api.yaml"
    assert label_path("apis/api.yaml", cwd=tmp_path / "work") == nested
    assert label_path("catalog:../../etc/passwd") is None
    assert label_path("catalog:messaging/v9/openapi.yaml") is None


def test_a_given_label_loses_the_local_path() -> None:
    _, spec = resolve_block("registries")
    config = RunConfig(spec=spec, base_url="http://x/v1", spec_label=f"registries ({spec.path})")
    assert spec_label(config) == "registries (catalog:registries/v1/openapi.yaml)"
    assert spec_label(RunConfig(spec=spec, base_url="http://x/v1")) == (
        "catalog:registries/v1/openapi.yaml"
    )


@pytest.mark.slow
def test_report_json_holds_no_local_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "somewhere" / "openapi.yaml"
    copy.parent.mkdir()
    shutil.copy(TARGET_DIR / "openapi.yaml", copy)
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    printer = tmp_path / "bin" / "print-token"
    printer.parent.mkdir()
    printer.write_text(f"#!/bin/sh\necho {TOKEN}\n")
    printer.chmod(0o755)
    with serve_tasks() as (base_url, _app):
        code = cli_main(
            [
                "run",
                "--spec",
                str(copy),
                "--base-url",
                base_url,
                "--token-command",
                str(printer),
                "--max-examples",
                "2",
                "--seed",
                "4",
                "--report-dir",
                str(tmp_path / "out"),
            ]
        )
    assert code == 0
    text = (tmp_path / "out" / "report.json").read_text()
    report = json.loads(text)
    assert report["spec"]["path"] == "openapi.yaml"
    assert report["subjects"][0]["description"].endswith("printed by 'print-token'")
    repository = str(Path(__file__).resolve().parents[2])
    for local in (str(tmp_path), repository, os.getcwd(), "gdi-conformance-hypothesis"):
        assert local not in text, local


def test_report_finds_the_spec_of_a_catalog_label(tmp_path: Path) -> None:
    _, spec = resolve_block("messaging")
    report = make_report()
    report.spec = dataclasses.replace(
        report.spec, path=portable_label(spec.path), sha256=load_spec(spec.path).sha256
    )
    path = write_report(report, tmp_path / "run")
    assert cli_main(["report", str(path), "--format", "sarif"]) == 0
    assert json.loads((path.parent / "lint.sarif").read_text())["version"] == "2.1.0"
