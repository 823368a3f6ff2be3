"""The registries spec and profile as the harness reads them: valid OpenAPI, no error from our
ADR linter, a profile the catalogue accepts. How Schemathesis follows its links is
``test_registries_spec_schemathesis``."""

from __future__ import annotations

import copy

import pytest
import yaml
from openapi_spec_validator import validate

from conformance.cli import main
from conformance.lint import Severity, lint_document, lint_spec
from conformance.paths import specs_root
from conformance.spec import load_spec
from conformance.spec.catalog import get_block

SPEC = specs_root() / "registries" / "v1" / "openapi.yaml"


@pytest.fixture(scope="module")
def document() -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return loaded


def test_the_spec_is_valid_openapi_3_0_3(document: dict[str, object]) -> None:
    validate(document)
    assert document["openapi"] == "3.0.3"


def _errors(findings: list) -> list:  # type: ignore[type-arg]
    return [f for f in findings if f.severity is Severity.ERROR]


def test_our_adr_linter_finds_no_error_in_the_spec() -> None:
    assert _errors(lint_spec(load_spec(SPEC))) == []


def test_gdi_conformance_lint_passes_the_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(SPEC)]) == 0
    assert "No problems found" in capsys.readouterr().out


def test_our_adr_linter_does_find_errors_in_a_broken_copy(document: dict[str, object]) -> None:
    broken = copy.deepcopy(document)
    ok = broken["paths"]["/personen"]["post"]["responses"]["200"]  # type: ignore[index]
    del ok["headers"]["API-Version"]
    del broken["paths"]["/verhuisaangiften"]["post"]["responses"]["400"]  # type: ignore[index]
    rules = {f.rule for f in _errors(lint_document(broken, file=str(SPEC)))}
    assert "nlgov:missing-version-header" in rules
    assert "nlgov:problem-invalid-input" in rules


def test_the_catalogue_accepts_the_profile_without_warnings() -> None:
    entry = get_block("registries")
    assert entry.warnings == ()
    assert entry.profile.id_prefix == "GDI-REG"
    ids = [requirement.id for requirement in entry.profile.requirements]
    assert ids == [f"GDI-REG-{n:03d}" for n in range(1, len(ids) + 1)]


def test_no_path_or_query_parameter_can_carry_a_bsn(document: dict[str, object]) -> None:
    paths = document["paths"]
    assert isinstance(paths, dict)
    for path, item in paths.items():
        assert "bsn" not in path.lower() and "burgerservicenummer" not in path.lower()
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                name = parameter.get("name") or parameter["$ref"].rsplit("/", 1)[-1]
                assert name.lower() not in ("bsn", "burgerservicenummer"), (path, name)


def test_the_birth_link_carries_the_new_bsn_in_the_query_body(document: dict[str, object]) -> None:
    links = document["paths"]["/geboorteaangiften"]["post"]["responses"]["201"]["links"]  # type: ignore[index]
    query = links["QueryNewChild"]
    assert query["operationId"] == "queryPersons"
    assert query["requestBody"]["burgerservicenummer"] == ["$response.body#/burgerservicenummer"]
