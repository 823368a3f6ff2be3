"""The identity spec and profile: valid OpenAPI, clean under our ADR linter, a loadable profile.

Each check is also shown failing on a deliberately broken copy of the spec.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from conformance.cli import main
from conformance.paths import specs_root
from conformance.spec.catalog import get_block

FOLDER = specs_root() / "identity" / "v1"
SPEC = FOLDER / "openapi.yaml"


def spec_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return document


def write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def test_spec_is_valid_openapi() -> None:
    validate(spec_document())


def test_invalid_spec_is_noticed() -> None:
    document = spec_document()
    document["paths"]["/oidc/token"]["post"]["responses"]["200"]["description"] = 42
    with pytest.raises(OpenAPIValidationError):
        validate(document)


def test_adr_linter_finds_no_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(SPEC)]) == 0, capsys.readouterr().out


def test_adr_linter_notices_a_missing_version_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = spec_document()
    del document["paths"]["/oidc/token"]["post"]["responses"]["200"]["headers"]["API-Version"]
    assert main(["lint", str(write(tmp_path, document))]) == 1
    assert "version" in capsys.readouterr().out.lower()


def test_adr_linter_notices_an_rfc6749_only_error_response(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Declaring only the RFC 6749 body (no problem+json) is what exception GDI-IDN-X01 is about."""
    document = spec_document()
    del document["components"]["responses"]["OAuthInvalidClient"]["content"][
        "application/problem+json"
    ]
    assert main(["lint", str(write(tmp_path, document))]) == 1
    assert "problem" in capsys.readouterr().out.lower()


def test_profile_loads_and_covers_the_spec() -> None:
    entry = get_block("identity")
    profile = entry.profile
    ids = [requirement.id for requirement in profile.requirements]
    assert all(identifier.startswith("GDI-IDN-") for identifier in ids)
    covered = {op for requirement in profile.requirements for op in requirement.operations}
    operations = {
        operation["operationId"]
        for path in spec_document()["paths"].values()
        for operation in path.values()
    }
    assert operations <= covered
    exceptions = {exception.id: exception for exception in profile.exceptions}
    assert set(exceptions["GDI-IDN-X01"].operations) == {"token", "introspect", "revoke"}
    assert "authorize" in exceptions["GDI-IDN-X02"].operations
