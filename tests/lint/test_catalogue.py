"""Every spec in the catalogue passes our ADR checker with no error-level finding."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.lint import lint_spec
from conformance.paths import specs_root
from conformance.spec import load_spec

SPECS = sorted(specs_root().glob("*/v*/openapi.yaml"))


@pytest.mark.parametrize("spec_file", SPECS, ids=[str(p.relative_to(specs_root())) for p in SPECS])
def test_catalogue_spec_has_no_adr_errors(spec_file: Path) -> None:
    errors = [
        f"{f.file}:{f.line}:{f.column} {f.rule} {f.message} {f.path}"
        for f in lint_spec(load_spec(spec_file))
        if f.severity.value == "error"
    ]
    assert errors == []
