"""The deliberate differences from the official ruleset, asserted exactly.

For each spec in fixtures/adr-differences, Spectral's recorded findings (official ADR 2.2
ruleset) and ours must differ by exactly the listed findings, for the reason given; everything
else is the same, at every severity.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.lint_helpers import REPO

from conformance.lint import lint_spec
from conformance.spec import load_spec

DIFFERENCES = REPO / "fixtures" / "adr-differences"
Finding = tuple[str, str, str]

# case: (only in Spectral's output, only in ours, why)
EXPECTED: dict[str, tuple[set[Finding], set[Finding], str]] = {
    "http-methods": (
        {("nlgov:http-methods", "paths./summary.summary", "error")},
        {("nlgov:http-methods", "paths./dossiers.trace", "error")},
        "the official selector only looks at path items whose URL contains summary/description",
    ),
    "recursive-example": (
        set(),
        {
            (
                "oas3-valid-media-example",
                "paths./mappen.get.responses[200].content.application/json.example.submappen[0].naam",
                "error",
            )
        },
        "Spectral skips examples of recursive schemas; we validate them",
    ),
    "openapi31-path-item-ref": (
        {("oas3-schema", "paths./dossiers", "error")},
        set(),
        "Spectral's OpenAPI 3.1 schema wrongly rejects a $ref path item",
    ),
    "ref-outside-folder": (
        set(),
        {
            (
                "invalid-ref",
                "paths./dossiers.get.responses[200].content.application/json.schema.$ref",
                "error",
            )
        },
        "we read no file outside the spec's folder unless told to (--ref-root); Spectral reads any",
    ),
}
# Where the spec of a case is, if not <case>/openapi.yaml.
SPEC_OF = {"ref-outside-folder": Path("api") / "openapi.yaml"}


def test_the_folder_can_be_widened_and_then_both_agree() -> None:
    case = DIFFERENCES / "ref-outside-folder"
    spec = load_spec(case / "api" / "openapi.yaml", ref_root=case)
    assert [f for f in lint_spec(spec) if f.severity.value == "error"] == []


def test_every_difference_case_is_listed() -> None:
    cases = {path.name for path in DIFFERENCES.iterdir() if path.is_dir()}
    assert cases == set(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_difference_from_spectral_is_exactly_the_documented_one(case: str) -> None:
    recorded = json.loads((DIFFERENCES / case / "spectral-output.json").read_text(encoding="utf-8"))
    theirs = {tuple(row) for row in recorded}
    spec = load_spec(
        DIFFERENCES / case / SPEC_OF.get(case, Path("openapi.yaml")), keep_broken_refs=True
    )
    ours = {(f.rule, f.path, f.severity.value) for f in lint_spec(spec)}
    only_theirs, only_ours, _why = EXPECTED[case]
    assert theirs - ours == only_theirs
    assert ours - theirs == only_ours
