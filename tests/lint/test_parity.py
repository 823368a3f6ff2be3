"""Parity with the official linter: its 26 test cases, our findings against its expected output.

The expected outputs were made with a display filter and list error-level findings only, so we
compare error-level findings, as sets of (rule id, JSON path, severity). Where we deliberately
differ from the official ruleset the difference is asserted exactly in test_differences.py; in
these 26 cases there is none.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.lint_helpers import TESTCASES

from conformance.lint import lint_spec
from conformance.spec import load_spec

# " 70:35  error  nlgov:use-problem-schema  <message>  <path>" (the path is absent for the root)
LINE = re.compile(
    r"^\s*(\d+):(\d+)\s+(error|warning|info|hint)\s+(\S+)\s+(.*?)(?:\s{2,}(\S+))?\s*$"
)
CASES = sorted(path.name for path in TESTCASES.iterdir() if (path / "expected-output.txt").exists())


def expected_errors(case: Path) -> set[tuple[str, str, str]]:
    found = set()
    for line in (case / "expected-output.txt").read_text(encoding="utf-8").splitlines():
        match = LINE.match(line)
        if match and match.group(3) == "error":
            found.add((match.group(4), match.group(6) or "", "error"))
    return found


def test_all_26_official_cases_are_present() -> None:
    assert len(CASES) == 26


def test_expected_output_parser_reads_paths_and_root_findings() -> None:
    cor = expected_errors(TESTCASES / "cor-api")
    assert len(cor) == 25
    assert ("nlgov:paths-kebab-case", "paths./laatsteWijziging", "error") in cor
    assert expected_errors(TESTCASES / "servers-missing") == {("oas3-api-servers", "", "error")}
    assert expected_errors(TESTCASES / "baseline") == set()


@pytest.mark.parametrize("case", CASES)
def test_error_findings_equal_the_official_expected_output(case: str) -> None:
    spec = load_spec(TESTCASES / case / "openapi.json", require_openapi=False)
    ours = {
        (f.rule, f.path, f.severity.value)
        for f in lint_spec(spec, adr_version="2.2")
        if f.severity.value == "error"
    }
    assert ours == expected_errors(TESTCASES / case)


def test_unrecognized_format_warning_matches_too() -> None:
    # The one warning the expected outputs show (Spectral prints it regardless of the filter).
    spec = load_spec(TESTCASES / "openapi-versie-missing" / "openapi.json", require_openapi=False)
    warnings = {(f.rule, f.path) for f in lint_spec(spec) if f.severity.value == "warning"}
    assert warnings == {("unrecognized-format", "")}
