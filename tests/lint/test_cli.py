"""``gdi-conformance lint``: formats, exit codes, and what an unusable spec gives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from support.lint_helpers import TESTCASES, baseline

from conformance.cli import main

SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-2.1.0-rtm.5.json"
JSON_KEYS = {"rule", "adr", "severity", "path", "file", "line", "column", "message", "extra"}


def write(tmp_path: Path, document: Any, name: str = "openapi.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def broken(tmp_path: Path) -> Path:
    doc = baseline()
    doc["info"]["version"] = "1.0"  # nlgov:semver, error
    doc["servers"] = [{"url": "http://api.example.org/v1"}]  # nlgov:servers-use-https, warning
    return write(tmp_path, doc)


def test_conformant_spec_exits_0_with_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = write(tmp_path, baseline())
    assert main(["lint", str(spec)]) == 0
    assert capsys.readouterr().out == f"No problems found in {spec}.\n"


def test_text_lines_name_file_position_severity_rule_message_and_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = broken(tmp_path)
    assert main(["lint", str(spec)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert (
        f"{spec}:4:12 error nlgov:semver Version 1.0 is not in semver format. info.version" in lines
    )
    assert lines[-1] == "2 problems (1 error, 1 warning, 0 infos, 0 hints)"


def test_json_is_a_list_of_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = broken(tmp_path)
    assert main(["lint", "--format", "json", str(spec)]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert {tuple(sorted(row)) for row in rows} == {tuple(sorted(JSON_KEYS))}
    semver = next(row for row in rows if row["rule"] == "nlgov:semver")
    assert semver == {
        "rule": "nlgov:semver",
        "adr": "/core/semver",
        "severity": "error",
        "path": "info.version",
        "file": str(spec),
        "line": 4,
        "column": 12,
        "message": "Version 1.0 is not in semver format.",
        "extra": False,
    }


def test_warnings_do_not_fail_unless_asked(tmp_path: Path) -> None:
    doc = baseline()
    doc["servers"] = [{"url": "http://api.example.org/v1"}]  # a warning only
    spec = write(tmp_path, doc)
    assert main(["lint", str(spec)]) == 0
    assert main(["lint", "--fail-severity", "warning", str(spec)]) == 1
    assert main(["lint", "--fail-severity", "never", str(broken(tmp_path))]) == 0


def test_sarif_validates_against_the_sarif_2_1_0_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    spec = TESTCASES / "cor-api" / "openapi.json"
    assert main(["lint", "--format", "sarif", str(spec), str(broken(tmp_path))]) == 1
    log = json.loads(capsys.readouterr().out)
    jsonschema.Draft4Validator(schema).validate(log)
    run = log["runs"][0]
    assert len(run["results"]) == 27
    rules = run["tool"]["driver"]["rules"]
    first = run["results"][0]
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"]
    assert {r["properties"]["adr"] for r in rules} >= {"/core/version-header", "/core/semver"}


def test_sarif_schema_rejects_a_broken_log() -> None:
    # the schema is really checking: a result without a message is not SARIF
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    log = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{}]}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema).validate(log)


def test_output_file(tmp_path: Path) -> None:
    out = tmp_path / "lint.json"
    assert main(["lint", "--format", "json", "-o", str(out), str(broken(tmp_path))]) == 1
    assert any(row["rule"] == "nlgov:semver" for row in json.loads(out.read_text()))


def test_adr_version_selects_the_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = baseline()
    doc["paths"]["/dossierLijst"] = doc["paths"].pop("/dossiers")  # kebab-case: ADR 2.2 only
    spec = write(tmp_path, doc)
    assert main(["lint", "--adr", "2.1", "--format", "json", str(spec)]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["lint", "--adr", "2.2", str(spec)]) == 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("openapi: [\n", "invalid YAML"),
        ("- a list\n", "not an OpenAPI document"),
    ],
)
def test_unusable_spec_exits_2_with_one_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(content, encoding="utf-8")
    assert main(["lint", str(spec)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith(f"gdi-conformance lint: {spec}") and expected in line
    assert "Traceback" not in captured.err


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(tmp_path / "nope.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_a_document_without_openapi_is_linted_not_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = baseline()
    del doc["openapi"]
    assert main(["lint", "--format", "json", str(write(tmp_path, doc))]) == 1
    rules = {row["rule"] for row in json.loads(capsys.readouterr().out)}
    assert rules == {"nlgov:openapi-root-exists", "unrecognized-format"}


def test_unusable_spec_in_json_still_prints_a_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("- a list\n", encoding="utf-8")
    good = write(tmp_path, baseline(), "good.yaml")
    assert main(["lint", "--format", "json", str(spec)]) == 2
    assert json.loads(capsys.readouterr().out) == []
    assert main(["lint", "--format", "json", str(spec), str(broken(tmp_path))]) == 2
    assert any(row["rule"] == "nlgov:semver" for row in json.loads(capsys.readouterr().out))
    assert main(["lint", "--format", "sarif", str(spec), str(good)]) == 2
    assert json.loads(capsys.readouterr().out)["runs"][0]["results"] == []


def bsn_in_query(tmp_path: Path) -> Path:
    doc = baseline()
    doc["paths"]["/dossiers"]["get"]["parameters"].append(
        {"name": "bsn", "in": "query", "schema": {"type": "string"}}
    )
    return write(tmp_path, doc)


def test_extras_are_listed_apart_and_do_not_decide_the_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = bsn_in_query(tmp_path)
    assert main(["lint", str(spec)]) == 0  # an ADR verdict counts ADR rules only
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"No problems found in {spec}."
    heading = lines.index(
        "Extra rules (gdi:*, not in the official ADR ruleset; no part of the verdict):"
    )
    assert "gdi:no-sensitive-uris" in lines[heading + 1]
    assert lines[-1] == "extras: 1 problem (1 error, 0 warnings, 0 infos, 0 hints)"


def test_no_extras_switches_our_own_rules_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = bsn_in_query(tmp_path)
    assert main(["lint", "--no-extras", str(spec)]) == 0
    assert "gdi:" not in capsys.readouterr().out
    assert main(["lint", "--no-extras", "--format", "json", str(spec)]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["lint", "--no-extras", "--format", "sarif", str(spec)]) == 0
    rules = json.loads(capsys.readouterr().out)["runs"][0]["tool"]["driver"]["rules"]
    assert not any(rule["id"].startswith("gdi:") for rule in rules)


def test_extras_are_flagged_in_json_and_sarif(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = bsn_in_query(tmp_path)
    assert main(["lint", "--format", "json", str(spec)]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["rule"], row["extra"], row["adr"]) == (
        "gdi:no-sensitive-uris",
        True,
        "/core/transport/no-sensitive-uris",
    )
    assert main(["lint", "--format", "sarif", str(spec)]) == 0
    log = json.loads(capsys.readouterr().out)
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text("utf-8"))).validate(log)
    run = log["runs"][0]
    (result,) = run["results"]
    assert result["properties"]["extra"] is True and result["properties"]["tags"] == ["extra"]
    descriptor = run["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert descriptor["id"] == "gdi:no-sensitive-uris"
    assert descriptor["properties"]["extra"] is True
    official = [r for r in run["tool"]["driver"]["rules"] if r["id"].startswith("nlgov:")]
    assert official and not any(r["properties"]["extra"] for r in official)


def test_broken_refs_are_findings_not_a_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = baseline()
    doc["paths"]["/dossiers"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ] = {"$ref": "#/components/schemas/Nope"}
    doc["info"]["version"] = "1.0"
    assert main(["lint", "--format", "json", str(write(tmp_path, doc))]) == 1
    rules = {row["rule"] for row in json.loads(capsys.readouterr().out)}
    assert rules == {"invalid-ref", "nlgov:semver"}
