"""The catalogue: discovery, profile checks (schema and semantics) and the catalog command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.cli import main
from conformance.spec.catalog import (
    SPECS_ROOT_ENV,
    CatalogError,
    get_block,
    list_blocks,
)
from conformance.spec.profile import ProfileError, load_profile

SPEC = """\
openapi: 3.0.3
info: {{title: {title}, version: {version}}}
paths:
  /messages:
    post:
      operationId: sendMessage
      responses: {{'201': {{description: sent}}}}
    get:
      operationId: listMessages
      responses: {{'200': {{description: ok}}}}
"""


def profile_data(block: str = "messaging", prefix: str = "GDI-MSG") -> dict[str, Any]:
    return {
        "block": block,
        "title": "Sample messaging",
        "profile_version": "1.0.0",
        "spec": "openapi.yaml",
        "id_prefix": prefix,
        "requirements": [
            {
                "id": f"{prefix}-001",
                "level": "MUST",
                "statement": "Every response carries API-Version.",
                "adr": ["/core/version-header"],
                "checks": ["adr:version-header"],
            },
            {
                "id": f"{prefix}-002",
                "level": "SHOULD",
                "statement": "Sending is idempotent.",
                "adr": [],
                "checks": [f"bb:{block}:idempotency", "api:not_a_server_error"],
                "operations": ["sendMessage"],
            },
            {
                "id": f"{prefix}-003",
                "level": "MAY",
                "statement": "Lists are paged.",
                "checks": ["adr:pagination"],
                "operations": ["listMessages"],
            },
        ],
        "exceptions": [
            {
                "id": f"{prefix}-X01",
                "rule": "/core/error-handling/problem-details",
                "operations": ["sendMessage"],
                "reason": "A sample deviation, explained at sufficient length.",
            }
        ],
    }


def add_block(
    root: Path,
    block: str = "messaging",
    major: int = 1,
    profile: dict[str, Any] | None = None,
    spec_version: str | None = None,
) -> Path:
    folder = root / block / f"v{major}"
    folder.mkdir(parents=True)
    data = profile if profile is not None else profile_data(block)
    (folder / "profile.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    version = spec_version or f"{major}.0.0"
    (folder / "openapi.yaml").write_text(SPEC.format(title=f"{block} API", version=version))
    return folder / "profile.yaml"


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    root = tmp_path / "specs"
    add_block(root, "messaging", 1)
    add_block(root, "messaging", 2)
    add_block(root, "registries", 1, profile_data("registries", "GDI-REG"))
    return root


def test_list_blocks_finds_every_block_version(catalogue: Path):
    entries = list_blocks(catalogue)
    assert [(e.block, e.major) for e in entries] == [
        ("messaging", 1),
        ("messaging", 2),
        ("registries", 1),
    ]
    first = entries[0]
    assert first.spec_title == "messaging API"
    assert first.spec_version == "1.0.0"
    assert first.spec_path == catalogue / "messaging" / "v1" / "openapi.yaml"
    assert first.profile.level_counts() == {"MUST": 1, "SHOULD": 1, "MAY": 1}
    assert [x.id for x in first.profile.exceptions] == ["GDI-MSG-X01"]
    assert first.profile.requirement("GDI-MSG-002").operations == ("sendMessage",)
    assert first.warnings == ()


def test_get_block_takes_the_highest_version_unless_asked(catalogue: Path):
    assert get_block("messaging", root=catalogue).major == 2
    assert get_block("messaging", 1, root=catalogue).major == 1
    with pytest.raises(CatalogError, match=r"no version v3 \(available: v1, v2\)"):
        get_block("messaging", 3, root=catalogue)
    with pytest.raises(CatalogError, match=r"no block 'identity'.*known: messaging, registries"):
        get_block("identity", root=catalogue)


def test_the_root_can_come_from_the_environment(catalogue: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(SPECS_ROOT_ENV, str(catalogue))
    assert [e.block for e in list_blocks()] == ["messaging", "messaging", "registries"]


def test_a_missing_root_is_an_error(tmp_path: Path):
    with pytest.raises(CatalogError, match="catalogue folder not found"):
        list_blocks(tmp_path / "nowhere")


def test_the_shipped_catalogue_is_valid():
    entries = list_blocks()
    assert {e.block for e in entries} >= {"identity", "messaging", "registries"}
    for entry in entries:
        assert entry.profile.id_prefix == {
            "identity": "GDI-IDN",
            "messaging": "GDI-MSG",
            "registries": "GDI-REG",
        }.get(entry.block, entry.profile.id_prefix)
        assert entry.profile.requirements


# --- profile errors: each names the file, line and the path at fault ------------------------


def broken(mutate) -> dict[str, Any]:
    data = profile_data()
    mutate(data)
    return data


def _set(path: list[Any], value: Any):
    def mutate(data: dict[str, Any]) -> None:
        target = data
        for segment in path[:-1]:
            target = target[segment]
        target[path[-1]] = value

    return mutate


def _delete(path: list[Any]):
    def mutate(data: dict[str, Any]) -> None:
        target = data
        for segment in path[:-1]:
            target = target[segment]
        del target[path[-1]]

    return mutate


SCHEMA_ERRORS = {
    "id pattern": (_set(["requirements", 0, "id"], "MSG-1"), "requirements[0].id", "expected form"),
    "level": (_set(["requirements", 0, "level"], "must"), "requirements[0].level", "'must'"),
    "no checks": (_set(["requirements", 0, "checks"], []), "requirements[0].checks", "non-empty"),
    "check namespace": (
        _set(["requirements", 0, "checks"], ["http:version-header"]),
        "requirements[0].checks[0]",
        "harness check id",
    ),
    "empty statement": (
        _set(["requirements", 1, "statement"], "  "),
        "requirements[1].statement",
        "expected form",
    ),
    "adr rule form": (
        _set(["requirements", 0, "adr"], ["core version header"]),
        "requirements[0].adr[0]",
        "Design Rules rule id",
    ),
    "unknown field": (
        _set(["requirements", 0, "severity"], "high"),
        "requirements[0]",
        "unknown fields are not allowed ('severity' was unexpected)",
    ),
    "missing reason": (
        _delete(["exceptions", 0, "reason"]),
        "exceptions[0]",
        "'reason' is a required",
    ),
    "short reason": (
        _set(["exceptions", 0, "reason"], "because"),
        "exceptions[0].reason",
        "too short",
    ),
    "exception id": (
        _set(["exceptions", 0, "id"], "GDI-MSG-001"),
        "exceptions[0].id",
        "expected form",
    ),
    "no requirements": (_set(["requirements"], []), "requirements", "should be non-empty"),
    "profile version": (_set(["profile_version"], "1.0"), "profile_version", "expected form"),
    "id prefix": (_set(["id_prefix"], "GDI-XYZ"), "id_prefix", "is not one of"),
}


@pytest.mark.parametrize("case", sorted(SCHEMA_ERRORS))
def test_profile_schema_errors_are_located(case: str, tmp_path: Path):
    mutate, json_path, words = SCHEMA_ERRORS[case]
    path = add_block(tmp_path, profile=broken(mutate))
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    error = caught.value
    assert error.message.startswith("profile is invalid: ")
    assert words in error.message
    assert error.json_path == json_path
    assert error.file == str(path)
    assert error.line is not None and error.line > 1


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_duplicate_ids(tmp_path: Path):
    path = add_block(tmp_path, profile=broken(_set(["requirements", 2, "id"], "GDI-MSG-001")))
    with pytest.raises(ProfileError, match=r"duplicate id GDI-MSG-001 \(first used at line") as e:
        load_profile(path)
    assert e.value.json_path == "requirements[2].id"


def test_ids_must_carry_the_profile_prefix(tmp_path: Path):
    path = add_block(tmp_path, profile=broken(_set(["requirements", 1, "id"], "GDI-REG-002")))
    with pytest.raises(ProfileError, match="does not start with the id_prefix GDI-MSG") as e:
        load_profile(path)
    assert e.value.line == _line_of(path, "GDI-REG-002")


def test_operations_must_exist_in_the_spec(tmp_path: Path):
    add_block(tmp_path, profile=broken(_set(["exceptions", 0, "operations"], ["sendMesage"])))
    with pytest.raises(CatalogError, match="operation 'sendMesage' is not an operationId") as e:
        list_blocks(tmp_path)
    assert e.value.json_path == "exceptions[0].operations[0]"


def test_the_block_must_match_its_folder(tmp_path: Path):
    add_block(tmp_path, "registries", profile=profile_data("messaging"))
    with pytest.raises(CatalogError, match="block 'messaging' does not match its folder"):
        list_blocks(tmp_path)


def test_the_spec_version_must_match_the_folder(tmp_path: Path):
    add_block(tmp_path, major=2, spec_version="1.4.0")
    with pytest.raises(
        CatalogError, match=r"info\.version 1\.4\.0 .* does not belong in folder v2"
    ):
        list_blocks(tmp_path)


def test_a_missing_spec_file(tmp_path: Path):
    add_block(tmp_path, profile=broken(_set(["spec"], "other.yaml")))
    with pytest.raises(CatalogError, match="spec file not found"):
        list_blocks(tmp_path)


def test_a_spec_outside_the_block_folder(tmp_path: Path):
    add_block(tmp_path, profile=broken(_set(["spec"], "../../elsewhere.yaml")))
    with pytest.raises(CatalogError, match="lies outside the block's folder"):
        list_blocks(tmp_path)


def test_an_unloadable_spec_is_reported_with_its_own_position(tmp_path: Path):
    path = add_block(tmp_path)
    spec = path.parent / "openapi.yaml"
    spec.write_text(spec.read_text().replace("openapi: 3.0.3", "swagger: '2.0'"))
    with pytest.raises(CatalogError, match=r"cannot be loaded: Swagger 2\.0") as e:
        list_blocks(tmp_path)
    assert (e.value.file, e.value.line) == (str(spec), 1)


def test_unknown_check_ids_are_warnings(tmp_path: Path):
    data = profile_data()
    data["requirements"][0]["checks"] = ["adr:version-headr", "bb:identity:pkce"]
    add_block(tmp_path, profile=data)
    # The ids that exist are the engine's (its check catalogue), given by the caller.
    known = {"adr:version-header", *(c for r in data["requirements"][1:] for c in r["checks"])}
    [entry] = list_blocks(tmp_path, known_checks=known)
    assert entry.warnings == (
        "GDI-MSG-001: check adr:version-headr is not a known check id",
        "GDI-MSG-001: check bb:identity:pkce belongs to block 'identity'",
    )
    [unchecked] = list_blocks(tmp_path)
    assert unchecked.warnings == (
        "GDI-MSG-001: check bb:identity:pkce belongs to block 'identity'",
    )


def test_a_profile_that_is_not_yaml(tmp_path: Path):
    path = add_block(tmp_path)
    path.write_text("block: [unclosed\n")
    with pytest.raises(ProfileError) as e:
        list_blocks(tmp_path)
    assert "invalid YAML" in e.value.message
    assert e.value.file == str(path)


# --- the command ---------------------------------------------------------------------------


def test_catalog_command_text(catalogue: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["catalog", "--root", str(catalogue)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "BLOCK",
        "VERSION",
        "SPEC",
        "SPEC",
        "VERSION",
        "MUST",
        "SHOULD",
        "MAY",
        "EXCEPTIONS",
    ]
    assert lines[1].split() == ["messaging", "v1", "messaging", "API", "1.0.0", "1", "1", "1", "1"]
    assert lines[2].split()[:2] == ["messaging", "v2"]
    assert lines[3].split()[:2] == ["registries", "v1"]


def test_catalog_command_json(
    catalogue: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(SPECS_ROOT_ENV, str(catalogue))
    assert main(["catalog", "--format", "json"]) == 0
    blocks = json.loads(capsys.readouterr().out)["blocks"]
    assert [(b["block"], b["version"]) for b in blocks] == [
        ("messaging", "v1"),
        ("messaging", "v2"),
        ("registries", "v1"),
    ]
    first = blocks[0]
    assert first["requirements"] == {"total": 3, "MUST": 1, "SHOULD": 1, "MAY": 1}
    assert first["exceptions"] == 1
    assert first["spec"]["title"] == "messaging API"
    assert first["spec"]["version"] == "1.0.0"
    assert len(first["spec"]["sha256"]) == 64


def test_catalog_command_exits_2_on_a_broken_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    path = add_block(tmp_path, profile=broken(_set(["requirements", 0, "level"], "must")))
    assert main(["catalog", "--root", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"gdi-conformance catalog: {path}:")
    assert "Traceback" not in err


def test_catalog_command_on_an_empty_catalogue(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["catalog", "--root", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == "The catalogue holds no building blocks."
