"""validate_openapi: OpenAPI schema errors, each at the property at fault and its position."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from conformance.spec import Location, load_spec
from conformance.spec.validation import STRUCTURE_CODE, validate_openapi

VALID = """\
    openapi: {version}
    info: {{title: Pets, version: 1.0.0}}
    paths:
      /pets/{{id}}:
        get:
          operationId: getPet
          parameters:
            - {{name: id, in: path, required: true, schema: {{type: string}}}}
          responses:
            '200':
              description: ok
    """


def write(tmp_path: Path, text: str, name: str = "openapi.yaml") -> Path:
    path = tmp_path / name
    path.write_text(dedent(text))
    return path


def test_a_valid_document_has_no_problems(tmp_path: Path):
    for version in ("3.0.3", "3.1.0"):
        spec = load_spec(write(tmp_path, VALID.format(version=version)))
        assert validate_openapi(spec) == []


def test_a_wrong_type_inside_a_oneof_names_the_property(tmp_path: Path):
    text = VALID.format(version="3.0.3").replace("description: ok", "description: 5")
    path = write(tmp_path, text)
    [problem] = validate_openapi(load_spec(path))
    assert problem.code == STRUCTURE_CODE
    assert problem.message == "5 is not of type 'string'"
    assert problem.json_path == "paths./pets/{id}.get.responses[200].description"
    assert problem.location == Location(str(path), 11, 24)


def test_the_31_schema_is_used_for_31_documents(tmp_path: Path):
    text = VALID.format(version="3.1.0").replace("title: Pets, ", "")
    path = write(tmp_path, text)
    [problem] = validate_openapi(load_spec(path))
    assert problem.message == '"title" is a required property'
    assert problem.json_path == "info"
    assert problem.location == Location(str(path), 2, 6)


def test_semantic_errors_are_placed_at_their_operation(tmp_path: Path):
    text = VALID.format(version="3.0.3").replace(
        "          parameters:\n            - {name: id, in: path, required: true, "
        "schema: {type: string}}\n",
        "",
    )
    path = write(tmp_path, text)
    problems = validate_openapi(load_spec(path))
    assert [p.message for p in problems] == [
        "Path parameter 'id' for 'get' operation in '/pets/{id}' was not resolved"
    ]
    assert problems[0].json_path == "paths./pets/{id}.get"
    assert problems[0].location == Location(str(path), 5, 9)


def test_long_values_are_clipped_in_messages(tmp_path: Path):
    text = VALID.format(version="3.0.3") + f"servers: [{{url: /v1, variables: {'x' * 200}}}]\n"
    path = write(tmp_path, text)
    [problem] = validate_openapi(load_spec(path))
    assert problem.message == '"' + "x" * 56 + '... is not of type "object"'
    assert problem.json_path == "servers[0].variables"


def test_each_minor_version_is_checked_against_its_own_schema(tmp_path: Path):
    # 'webhooks' exists from 3.1 on: fine in 3.1 and 3.2, an unknown field in 3.0.
    for version, expected in (("3.0.3", 1), ("3.1.0", 0), ("3.2.0", 0)):
        text = VALID.format(version=version) + "webhooks: {}\n"
        problems = validate_openapi(load_spec(write(tmp_path, text)))
        assert len(problems) == expected, (version, problems)
