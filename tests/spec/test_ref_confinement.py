"""$refs read local files only inside the root spec's folder (or a folder the user names).

Specs come from vendors and pull requests, and lint reports go to code-scanning services: a
$ref to a file elsewhere on the machine must be refused before the file is read, so its content
can never appear in any output. Loading refuses it (exit 2 with file:line); the linter reports it
as an invalid-ref finding and lints the rest. The files outside are made in tmp_path.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from conformance.cli import main
from conformance.lint import lint_spec
from conformance.spec import SpecLoadError, load_spec

SECRET = "root:x:0:0:SECRET-MARKER-7f3a:/root:/bin/bash"


def layout(tmp_path: Path, ref: str) -> Path:
    """tmp/secret.yaml (outside) and tmp/api/openapi.yaml whose one response is ``ref``."""
    (tmp_path / "secret.yaml").write_text(f"x: '{SECRET}'\n", encoding="utf-8")
    api = tmp_path / "api"
    api.mkdir()
    (api / "parts").mkdir()
    (api / "parts" / "ok.yaml").write_text("description: ok\n", encoding="utf-8")
    document = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1.0.0"},
        "paths": {"/a": {"get": {"responses": {"200": {"$ref": ref}}}}},
    }
    spec = api / "openapi.yaml"
    spec.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return spec


def outside_refs(tmp_path: Path) -> list[str]:
    return ["../secret.yaml#/x", str(tmp_path / "secret.yaml") + "#/x"]


@pytest.mark.parametrize("which", [0, 1], ids=["relative", "absolute"])
def test_a_ref_outside_the_folder_is_refused_with_its_position(tmp_path: Path, which: int) -> None:
    spec = layout(tmp_path, outside_refs(tmp_path)[which])
    with pytest.raises(SpecLoadError) as caught:
        load_spec(spec)
    error = caught.value
    assert "points outside the spec's folder" in error.message
    assert "--ref-root" in error.message
    assert (error.file, error.line) == (str(spec), 10)
    assert SECRET not in str(error)


def test_a_symbolic_link_inside_the_folder_cannot_lead_out(tmp_path: Path) -> None:
    spec = layout(tmp_path, "parts/link.yaml#/x")
    os.symlink(tmp_path / "secret.yaml", spec.parent / "parts" / "link.yaml")
    with pytest.raises(SpecLoadError, match="outside the spec's folder"):
        load_spec(spec)


def test_files_inside_the_folder_and_below_still_load(tmp_path: Path) -> None:
    spec = layout(tmp_path, "parts/ok.yaml")
    response = load_spec(spec).bundled["paths"]["/a"]["get"]["responses"]["200"]
    assert response == {"description": "ok"}


def test_ref_root_widens_the_folder_on_request(tmp_path: Path) -> None:
    spec = layout(tmp_path, "../secret.yaml#/x")
    loaded = load_spec(spec, ref_root=tmp_path)
    assert loaded.bundled["paths"]["/a"]["get"]["responses"]["200"] == SECRET


def test_spec_bundle_never_prints_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = layout(tmp_path, "../secret.yaml#/x")
    assert main(["spec", "--bundle", str(spec)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert f"{spec}:10:" in err and "outside the spec's folder" in err
    assert SECRET not in out + err
    assert main(["spec", "--bundle", "--ref-root", str(tmp_path), str(spec)]) == 0
    assert SECRET in capsys.readouterr().out


@pytest.mark.parametrize("output", ["text", "json", "sarif"])
def test_lint_reports_an_invalid_ref_and_never_the_content(
    tmp_path: Path, output: str, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = layout(tmp_path, "../secret.yaml#/x")
    assert main(["lint", "--format", output, str(spec)]) == 1
    out, err = capsys.readouterr()
    assert SECRET not in out + err
    assert "invalid-ref" in out and "outside the spec's folder" in out
    if output == "json":
        rows = json.loads(out)
        ref = next(row for row in rows if row["rule"] == "invalid-ref")
        assert (ref["path"], ref["line"]) == ("paths./a.get.responses[200].$ref", 10)


def test_lint_of_the_etc_passwd_fixtures_reads_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    bad = Path(__file__).resolve().parents[2] / "fixtures" / "bad-specs"
    for name in ("ref-outside-parent.yaml", "ref-outside-absolute.yaml"):
        spec = load_spec(bad / name, keep_broken_refs=True)
        refs = [f for f in lint_spec(spec) if f.rule == "invalid-ref"]
        assert [f.path for f in refs] == ["paths./pets.get.responses[200].$ref"]
        assert spec.files == [str(bad / name)]  # no other file was read


def test_run_refuses_the_spec_before_contacting_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = layout(tmp_path, "../secret.yaml#/x")
    argv = ["run", "--spec", str(spec), "--base-url", "http://127.0.0.1:9"]
    assert main([*argv, "--report-dir", str(tmp_path / "out")]) == 2
    out, err = capsys.readouterr()
    assert "outside the spec's folder" in err and f"{spec}:10:" in err
    assert SECRET not in out + err


def test_run_reads_outside_the_folder_only_with_ref_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = layout(tmp_path, "../secret.yaml#/x")
    argv = ["run", "--spec", str(spec), "--base-url", "http://127.0.0.1:9"]
    argv += ["--ref-root", str(tmp_path), "--report-dir", str(tmp_path / "out")]
    assert main(argv) == 2  # the spec loads; nothing listens on port 9
    out, err = capsys.readouterr()
    assert "outside the spec's folder" not in err
    assert "127.0.0.1:9" in err
    assert SECRET not in out + err


def test_ref_root_adds_a_folder_and_keeps_the_spec_s_own(tmp_path: Path) -> None:
    spec = layout(tmp_path, "parts/ok.yaml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert load_spec(spec, ref_root=elsewhere).bundled["paths"]["/a"]["get"]["responses"]
    (tmp_path / "second").mkdir()
    outside = layout(tmp_path / "second", "../secret.yaml#/x")
    with pytest.raises(SpecLoadError, match="outside"):
        load_spec(outside, ref_root=elsewhere)


@pytest.mark.parametrize("key", ['"\\u0024ref"', '"\\x24ref"'], ids=["json-escape", "yaml-escape"])
def test_a_ref_spelt_with_an_escape_is_still_confined(tmp_path: Path, key: str) -> None:
    """A spec with no "$ref" written is not walked by the bundler, unless an escape could
    spell one: this one is, and refused."""
    spec = layout(tmp_path, "../secret.yaml#/x")
    text = spec.read_text(encoding="utf-8").replace("$ref:", f"{key}:")
    assert "$ref" not in text
    spec.write_text(text, encoding="utf-8")
    with pytest.raises(SpecLoadError) as caught:
        load_spec(spec)
    assert "points outside the spec's folder" in caught.value.message
