"""What the app factory reads from a block's spec, and the specs it refuses to serve."""

from __future__ import annotations

import json

import pytest
from support.demo_blocks import write_spec

from building_blocks.common import SpecError, create_app, load_spec_info


def test_version_base_path_and_json(tmp_path):
    spec = load_spec_info(write_spec(tmp_path / "openapi.yaml", "messaging"), block="messaging")
    assert spec.version == "1.4.2"
    assert spec.base_path == "/messaging/v1"
    assert json.loads(spec.json_bytes)["info"]["title"] == "Demo block"


def test_unquoted_yaml_dates_are_served_as_strings(tmp_path):
    path = write_spec(tmp_path / "openapi.yaml", "demo")
    path.write_text(path.read_text() + "x-released: 2024-05-01\n")
    assert json.loads(load_spec_info(path, block="demo").json_bytes)["x-released"] == "2024-05-01"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda text: text.replace("version: 1.4.2", "version: ''"), "info.version is missing"),
        (lambda text: text.replace("/demo/v1", "/demo"), "must end in /demo/v1"),
        (lambda text: text.replace("version: 1.4.2", "version: 2.0.0"), "must end in /demo/v2"),
        (lambda text: text.replace("servers:", "x-servers:"), r"servers\[0\]\.url is missing"),
        (
            lambda text: text + "components:\n  schemas:\n    A: {$ref: 'other.yaml#/A'}\n",
            "points outside the file",
        ),
        (lambda text: "- just\n- a list\n", "not a mapping"),
        (lambda text: "key: [unclosed\n", "cannot read the spec"),
    ],
)
def test_specs_that_cannot_be_served_are_refused(tmp_path, edit, message):
    path = write_spec(tmp_path / "openapi.yaml", "demo")
    path.write_text(edit(path.read_text()))
    with pytest.raises(SpecError, match=message) as caught:
        create_app(block="demo", spec_path=path)
    assert "openapi.yaml" in str(caught.value)


def test_missing_spec_file(tmp_path):
    with pytest.raises(SpecError, match="cannot read the spec"):
        load_spec_info(tmp_path / "absent.yaml", block="demo")
