"""`gdi-conformance lint` imports only what linting needs, and the example fast path is exact.

Start-up dominated short lints: the engine, Schemathesis and openapi-core are never imported by
`lint`, and the Python schema validators only when an example is not plainly valid.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from support.lint_helpers import REPO, baseline, lint

HEAVY = (
    "conformance.engine",
    "schemathesis",
    "hypothesis",
    "openapi_core",
    "httpx",
    "openapi_schema_validator",
    "openapi_spec_validator",
    "jsonschema",
    "pydantic",
)
PROBE = """
import json, sys
from conformance.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def imported_by(*argv: str) -> set[str]:
    run = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    last = run.stdout.strip().splitlines()[-1]
    return set(json.loads(last)["modules"])


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.mark.parametrize("output", ["text", "json", "sarif"])
@pytest.mark.slow
def test_lint_of_a_catalogue_spec_imports_nothing_heavy(output: str) -> None:
    spec = REPO / "specs" / "registries" / "v1" / "openapi.yaml"
    assert heavy(imported_by("lint", "--format", output, str(spec))) == []


@pytest.mark.slow
def test_lint_of_a_small_spec_imports_nothing_heavy() -> None:
    spec = REPO / "fixtures" / "lint-cases" / "broken-refs.yaml"
    assert heavy(imported_by("lint", str(spec))) == []


@pytest.mark.slow
def test_version_imports_no_command() -> None:
    assert heavy(imported_by("--version")) == []


def with_example(schema: dict[str, Any], example: Any) -> dict[str, Any]:
    doc = baseline()
    doc["components"]["schemas"]["Extra"] = {**schema, "example": example}
    return doc


def example_findings(doc: dict[str, Any]) -> list[str]:
    return [f.path for f in lint(doc) if f.rule == "oas3-valid-schema-example"]


def test_numbers_the_fast_path_cannot_judge_are_still_checked() -> None:
    # jsonschema-rs checks formats on strings only: an int32 out of range must still be found.
    int32 = {"type": "integer", "format": "int32"}
    assert example_findings(with_example(int32, 2**31)) == ["components.schemas.Extra.example"]
    assert example_findings(with_example(int32, 2**31 - 1)) == []
    assert example_findings(with_example({"type": "number", "format": "int64"}, 1.5)) == [
        "components.schemas.Extra.example"
    ]


def test_nullable_examples_are_judged_by_the_openapi_validator() -> None:
    nullable = {"type": "string", "nullable": True}
    assert example_findings(with_example(nullable, None)) == []
    assert example_findings(with_example({"type": "string"}, None)) == [
        "components.schemas.Extra.example"
    ]


@pytest.mark.parametrize("block", ["identity", "messaging", "registries"])
@pytest.mark.slow
def test_catalogue_specs_need_no_python_validator(block: str) -> None:
    # Their examples are valid (nullable ones included): the fast path accepts every one.
    spec = REPO / "specs" / block / "v1" / "openapi.yaml"
    assert "openapi_schema_validator" not in imported_by("lint", str(spec))
