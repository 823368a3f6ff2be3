"""String formats are checked as ajv-formats 2.1.1 (full mode) checks them, as in Spectral.

data/ajv-formats-expected.json holds, for a set of strings, what each of ajv-formats' full
formats says about them (recorded by running ajv-formats 2.1.1 itself, the version Spectral
6.16.3 installs); our checker must say the same for every one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.lint.formats import ajv_format_checker

EXPECTED = json.loads(
    (Path(__file__).parent / "data" / "ajv-formats-expected.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("name", sorted(EXPECTED["valid"]))
def test_format_agrees_with_ajv_formats_full_mode(name: str) -> None:
    checker = ajv_format_checker()
    ours = [checker.conforms(value, name) for value in EXPECTED["values"]]
    disagreements = [
        (value, theirs)
        for value, mine, theirs in zip(
            EXPECTED["values"], ours, EXPECTED["valid"][name], strict=True
        )
        if mine != theirs
    ]
    assert disagreements == []


def test_uri_is_full_mode_not_fast_mode() -> None:
    checker = ajv_format_checker()
    assert not checker.conforms("https://example.nl/api/{major-versie}/x", "uri")
    assert checker.conforms("https://example.nl/api/v1/x", "uri")


def test_number_formats() -> None:
    checker = ajv_format_checker()
    assert not checker.conforms(2**31, "int32")
    assert checker.conforms(2**70, "int64")  # JavaScript: any integer
    assert not checker.conforms(1.5, "int64")
    assert checker.conforms("not a number", "int32")  # number formats ignore strings
