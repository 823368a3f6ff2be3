"""SARIF of the static findings, as certify writes it beside each report."""

from __future__ import annotations

import json
from pathlib import Path

from conformance.paths import specs_root
from conformance.reports.render import _portable, sarif_for
from conformance.spec import load_spec

SPEC = """openapi: 3.0.3
info:
  title: Items
  version: 1.0.0
  contact: {name: x, url: "https://example.org", email: a@example.org}
servers: [{url: "https://api.example.org/items/v1"}]
paths:
  /items/:
    get:
      operationId: listItems
      responses:
        "200": {description: ok}
"""


def test_findings_point_at_the_spec_file(tmp_path: Path) -> None:
    path = tmp_path / "openapi.yaml"
    path.write_text(SPEC, encoding="utf-8")
    log = json.loads(sarif_for(load_spec(path)))
    assert log["version"] == "2.1.0"
    results = log["runs"][0]["results"]
    assert results, "a path with a trailing slash breaks an ADR rule"
    location = results[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("openapi.yaml")
    assert location["region"]["startLine"] >= 1


def test_catalogue_files_are_named_by_their_place_in_the_repository(tmp_path: Path) -> None:
    inside = specs_root() / "messaging" / "v1" / "openapi.yaml"
    assert _portable(str(inside)) == "specs/messaging/v1/openapi.yaml"
    outside = str(tmp_path / "openapi.yaml")
    assert _portable(outside) == outside


def test_clean_catalogue_spec_has_no_findings() -> None:
    spec = load_spec(specs_root() / "registries" / "v1" / "openapi.yaml")
    assert json.loads(sarif_for(spec))["runs"][0]["results"] == []
