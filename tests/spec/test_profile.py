"""One profile model, one schema: every profile (blocks' and the generic one) is checked alike."""

from __future__ import annotations

import copy
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.cli import main
from conformance.engine.profile import GENERIC_PROFILE, generic_profile
from conformance.paths import specs_root
from conformance.spec.catalog import SPECS_ROOT_ENV, resolve_block
from conformance.spec.profile import (
    Level,
    ProfileError,
    load_profile,
    parse_profile,
    read_profile,
)

GENERIC_FILE = Path(str(files("conformance.engine").joinpath(GENERIC_PROFILE)))
SPEC = """\
openapi: 3.0.3
info: {title: Messages, version: 1.0.0}
paths:
  /messages:
    get:
      operationId: listMessages
      responses: {'200': {description: ok}}
"""

BLOCK: dict[str, Any] = {
    "block": "messaging",
    "title": "Sample messaging",
    "profile_version": "1.0.0",
    "spec": "openapi.yaml",
    "id_prefix": "GDI-MSG",
    "requirements": [
        {
            "id": "GDI-MSG-001",
            "level": "MUST",
            "statement": "Every response carries API-Version.",
            "checks": ["adr:version-header"],
        },
        {
            "id": "GDI-MSG-002",
            "level": "SHOULD",
            "statement": "Lists are paged.",
            "checks": ["adr:pagination", "api:read-after-create"],
            "operations": ["listMessages"],
        },
    ],
    "exceptions": [
        {
            "id": "GDI-MSG-X01",
            "rule": "/core/error-handling/problem-details",
            "reason": "A sample deviation, explained at sufficient length.",
        }
    ],
}


def changed(change: dict[str, Any], requirement: int | None = None) -> dict[str, Any]:
    data = copy.deepcopy(BLOCK)
    (data if requirement is None else data["requirements"][requirement]).update(change)
    return data


def write(folder: Path, data: dict[str, Any]) -> Path:
    path = folder / "profile.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    (folder / "openapi.yaml").write_text(SPEC)
    return path


def test_every_shipped_profile_passes_the_one_schema() -> None:
    paths = [GENERIC_FILE, *sorted(specs_root().glob("*/v*/profile.yaml"))]
    assert len(paths) >= 4
    for path in paths:
        profile = load_profile(path)
        assert profile.requirements and profile.path == path
    # The engine's generic profile is the same file, read through the same check.
    generic = generic_profile()
    assert generic.requirements == load_profile(GENERIC_FILE).requirements
    assert (generic.kind, generic.spec, generic.spec_path, generic.path) == (
        "generic",
        None,
        None,
        None,
    )


def test_a_block_profile_and_the_engine_see_the_same_model() -> None:
    profile, spec = resolve_block("messaging@v1")
    assert profile.kind == "block" and profile.name == "messaging"
    assert profile.spec_path == spec.path
    assert all(isinstance(item.level, Level) for item in profile.requirements)
    assert len(profile.sha256) == 64


def test_a_valid_profile_reads_into_the_model() -> None:
    profile = parse_profile(BLOCK, where="sample")
    assert profile.requirement("GDI-MSG-002") is not None
    assert profile.requirements[1].level is Level.SHOULD
    assert profile.requirements[1].operations == ("listMessages",)
    assert profile.level_counts() == {"MUST": 1, "SHOULD": 1, "MAY": 0}
    assert profile.check_ids == {"adr:version-header", "adr:pagination", "api:read-after-create"}
    assert profile.kind == "block" and profile.spec == "openapi.yaml"


BAD = {
    "unknown level": (
        changed({"level": "MAYBE"}, 0),
        "requirements[0].level",
        "'MAYBE' is not one of ['MUST', 'SHOULD', 'MAY']",
    ),
    "duplicate requirement id": (
        changed({"id": "GDI-MSG-001"}, 1),
        "requirements[1].id",
        "duplicate id GDI-MSG-001",
    ),
    "malformed check id": (
        changed({"checks": ["version header"]}, 0),
        "requirements[0].checks[0]",
        "'version header' does not have the expected form: A harness check id",
    ),
    "check id with an unknown namespace": (
        changed({"checks": ["http:version-header"]}, 0),
        "requirements[0].checks[0]",
        "A harness check id",
    ),
    "unknown field": (
        changed({"severity": "high"}, 1),
        "requirements[1]",
        "unknown fields are not allowed ('severity' was unexpected)",
    ),
    "block profile without its spec": (
        {key: value for key, value in BLOCK.items() if key != "spec"},
        None,
        "'spec' is a required property",
    ),
    "id of another prefix": (
        changed({"id": "GDI-REG-002"}, 1),
        "requirements[1].id",
        "does not start with the id_prefix GDI-MSG",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_profile_file_says_what_and_where(case: str, tmp_path: Path) -> None:
    data, json_path, words = BAD[case]
    path = write(tmp_path, data)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    error = caught.value
    assert words in error.message
    assert error.json_path == json_path
    assert error.file == str(path)
    assert error.line is not None and (json_path is None or error.line > 1)
    assert str(error).startswith(f"{path}:{error.line}:")


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_profile_given_as_data_names_it_and_the_path(case: str) -> None:
    data, json_path, words = BAD[case]
    with pytest.raises(ProfileError) as caught:
        parse_profile(data, where="test profile")
    error = caught.value
    assert words in error.message
    assert (error.file, error.json_path) == ("test profile", json_path)


def test_a_broken_generic_profile_is_located_in_its_file() -> None:
    text = GENERIC_FILE.read_text().replace("level: MUST", "level: MOST", 1)
    with pytest.raises(ProfileError) as caught:
        read_profile(text, "generic-profile.yaml")
    error = caught.value
    assert error.file == "generic-profile.yaml" and error.line is not None and error.line > 1
    assert "'MOST' is not one of" in error.message


def test_a_generic_profile_needs_no_spec() -> None:
    generic = {key: value for key, value in BLOCK.items() if key != "spec"}
    generic["id_prefix"] = "GDI-GEN"
    for section in ("requirements", "exceptions"):
        generic[section] = [
            {**item, "id": item["id"].replace("GDI-MSG", "GDI-GEN")} for item in generic[section]
        ]
    profile = parse_profile(generic, where="generic")
    assert profile.kind == "generic" and profile.spec_path is None


def test_duplicate_ids_across_requirements_and_exceptions(tmp_path: Path) -> None:
    data = copy.deepcopy(BLOCK)
    data["exceptions"].append({**data["exceptions"][0]})
    path = write(tmp_path, data)
    with pytest.raises(ProfileError, match=r"duplicate id GDI-MSG-X01 \(first used at line \d+\)"):
        load_profile(path)


def test_run_with_a_broken_block_profile_exits_2_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "messaging" / "v1"
    folder.mkdir(parents=True)
    path = write(folder, changed({"level": "MAYBE"}, 0))
    monkeypatch.setenv(SPECS_ROOT_ENV, str(tmp_path))
    code = main(["run", "--bb", "messaging", "--base-url", "http://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{path}:" in err and "(at requirements[0].level)" in err
    assert "Traceback" not in err
