"""The lint cases: specs on which our linter once disagreed with the official one.

Each spec in fixtures/lint-cases reproduces one class of disagreement seen on published specs
(see its README). Spectral's findings for each (official ADR 2.2 ruleset) are recorded in
spectral-output/<case>.json; ours must be the same set of (rule, JSON path, severity), at every
severity. Our own rules (gdi:*, extras) are no part of the comparison.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.lint_helpers import REPO

from conformance.cli import main
from conformance.lint import lint_spec
from conformance.spec import load_spec

CASES_DIR = REPO / "fixtures" / "lint-cases"
FILES = {path.stem: path for path in CASES_DIR.iterdir() if path.suffix in (".yaml", ".json")}
CASES = sorted(FILES)


def recorded(case: str) -> set[tuple[str, str, str]]:
    rows = json.loads((CASES_DIR / "spectral-output" / f"{case}.json").read_text("utf-8"))
    return {(rule, path, severity) for rule, path, severity in rows}


def test_every_case_has_a_recorded_spectral_output() -> None:
    outputs = {path.stem for path in (CASES_DIR / "spectral-output").glob("*.json")}
    assert outputs == set(CASES)
    assert len(CASES) >= 6


@pytest.mark.parametrize("case", CASES)
def test_findings_equal_spectral_recorded_output(case: str) -> None:
    spec = load_spec(
        FILES[case],
        require_openapi=False,
        keep_broken_refs=True,
        keep_duplicate_keys=True,
    )
    ours = {(f.rule, f.path, f.severity.value) for f in lint_spec(spec)}
    assert ours == recorded(case)


@pytest.mark.parametrize(
    "case",
    ["broken-refs", "unquoted-status-codes", "duplicate-keys", "duplicate-keys-json", "ref-cycle"],
)
def test_command_line_json_equals_spectral_too(
    case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["lint", "--format", "json", "--no-extras", str(FILES[case])])
    rows = json.loads(capsys.readouterr().out)
    assert code == 1  # error-level findings of ADR rules, not "could not run"
    assert {(r["rule"], r["path"], r["severity"]) for r in rows} == recorded(case)


def test_broken_refs_are_reported_at_each_first_use_in_document_order(tmp_path: Path) -> None:
    spec = load_spec(CASES_DIR / "broken-refs.yaml", keep_broken_refs=True)
    refs = [f for f in lint_spec(spec) if f.rule == "invalid-ref"]
    assert [(f.line, f.message) for f in refs] == [
        (13, "'#/components/schemas/DatabasesSchema' does not exist"),
        (22, "'#/components/schemas/DatabaseInfo' does not exist"),
    ]


def test_without_keeping_broken_refs_the_loader_still_refuses_them() -> None:
    from conformance.spec import SpecLoadError

    with pytest.raises(SpecLoadError, match="DatabasesSchema"):
        load_spec(CASES_DIR / "broken-refs.yaml")
