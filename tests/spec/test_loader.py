"""load_spec: parsing, positions, $ref bundling across files, remote references and the hash."""

from __future__ import annotations

import hashlib
import http.server
import json
import time
from collections.abc import Iterator
from pathlib import Path
from textwrap import dedent

import pytest
import rfc8785
import yaml
from support.checkout import REPOSITORY
from support.services import serve_threaded

from conformance.spec import Location, PositionIndex, SpecLoadError, load_document, load_spec
from conformance.spec import loader as loader_module
from conformance.spec.json_nodes import compose_json
from conformance.spec.yaml12 import BaseLoader

PETS_YAML = dedent(
    """\
    openapi: 3.0.3
    info:
      title: Pets
      version: 1.0.0
    paths:
      /pets:
        get:
          operationId: listPets
          parameters:
            - name: limit
              in: query
              schema: {type: integer}
          responses:
            200:
              description: ok
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/Pet'
    components:
      schemas:
        Pet:
          type: object
          properties:
            born: {type: string, example: 2020-01-31}
            parent: {$ref: '#/components/schemas/Pet'}
    """
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dedent(text), encoding="utf-8")
    return path


def test_yaml_spec_loads_as_json_data(tmp_path: Path):
    spec = load_spec(write(tmp_path, "openapi.yaml", PETS_YAML))
    assert spec.openapi_version == "3.0.3"
    responses = spec.bundled["paths"]["/pets"]["get"]["responses"]
    assert list(responses) == ["200"]  # an unquoted YAML 200 is the JSON key "200"
    pet = spec.bundled["components"]["schemas"]["Pet"]
    assert pet["properties"]["born"]["example"] == "2020-01-31"  # dates stay strings
    assert pet["properties"]["parent"] == {"$ref": "#/components/schemas/Pet"}  # kept local
    assert spec.raw == spec.bundled  # a single file: nothing to inline
    json.dumps(spec.bundled)  # plain JSON all the way down


def test_positions_of_values_and_keys_in_yaml(tmp_path: Path):
    spec = load_spec(write(tmp_path, "openapi.yaml", PETS_YAML))
    file = str(tmp_path / "openapi.yaml")
    assert spec.locate(("info", "title")) == Location(file, 3, 10)
    assert spec.locate_key(("info", "title")) == Location(file, 3, 3)
    # an object under a key is placed just after the colon, as Spectral does
    assert spec.locate(("paths", "/pets", "get", "responses", "200")) == Location(file, 14, 13)
    assert spec.locate_key(("paths", "/pets", "get", "responses", "200")) == Location(file, 14, 9)
    # array items: index as int or as string
    assert spec.locate(("paths", "/pets", "get", "parameters", 0, "in")) == Location(file, 11, 15)
    assert spec.locate(("paths", "/pets", "get", "parameters", "0", "in")) == Location(file, 11, 15)
    assert spec.locate(()) == Location(file, 1, 1)


def test_a_missing_pointer_falls_back_to_its_nearest_ancestor(tmp_path: Path):
    spec = load_spec(write(tmp_path, "openapi.yaml", PETS_YAML))
    assert spec.locate(("info", "contact", "email")) == spec.locate(("info",))
    assert spec.locate(("paths", "/pets", "get", "parameters", 7)) == spec.locate(
        ("paths", "/pets", "get", "parameters")
    )


def test_positions_in_json_match_spectral(tmp_path: Path):
    # Like Spectral: 1-based line and column of the value (the opening quote of a string).
    text = (
        "{\n"
        '  "openapi": "3.0.3",\n'
        '  "info": {"title": "T", "version": "1.0.0"},\n'
        '  "paths": {},\n'
        '  "components": {"schemas": {"D": {"type": "string",    "format": "date-time"}}}\n'
        "}\n"
    )
    spec = load_spec(write(tmp_path, "openapi.json", text))
    file = str(tmp_path / "openapi.json")
    assert spec.locate(("components", "schemas", "D", "format")) == Location(file, 5, 67)
    assert spec.locate_key(("components", "schemas", "D", "format")) == Location(file, 5, 57)
    assert spec.locate(("info",)) == Location(file, 3, 10)


def test_json_with_tab_indentation_still_has_positions(tmp_path: Path):
    text = '{\n\t"openapi": "3.0.3",\n\t"info": {"title": "T", "version": "1"},\n\t"paths": {}\n}\n'
    spec = load_spec(write(tmp_path, "openapi.json", text))
    assert spec.locate(("paths",)) == Location(str(tmp_path / "openapi.json"), 4, 10)


def test_equal_documents_hash_equal_whatever_their_syntax_or_key_order(tmp_path: Path):
    yaml_spec = load_spec(write(tmp_path, "a.yaml", PETS_YAML))
    reordered = dict(reversed(list(yaml_spec.bundled.items())))
    json_spec = load_spec(write(tmp_path, "b.json", json.dumps(reordered, indent=4)))
    assert json_spec.sha256 == yaml_spec.sha256
    expected = hashlib.sha256(rfc8785.dumps(yaml_spec.bundled)).hexdigest()
    assert yaml_spec.sha256 == expected
    changed = load_spec(write(tmp_path, "c.yaml", PETS_YAML.replace("title: Pets", "title: Cats")))
    assert changed.sha256 != yaml_spec.sha256


@pytest.mark.parametrize(
    "document",
    [
        {"b": 1, "a": [True, False, None, "x"], "": {}},
        {"\ue000": 1, "\U0001f600": 2, "z": 3},  # UTF-16 order differs from code points
        {"control": '\x00\x1f\x7f\b\f\n\r\t"\\/', "uni": "\u00e9\u2028\U0001f600"},
        {"float": 1.0, "exp": 1e21, "small": 5e-324, "neg": -0.0},
        {"edge": 2**53 - 1, "beyond": -(2**53 - 1), "list": [[], [{}]]},
    ],
    ids=["plain", "astral-keys", "escapes", "floats", "integer-edges"],
)
def test_the_fast_hash_is_the_rfc8785_hash(document: object):
    expected = hashlib.sha256(rfc8785.dumps(document)).hexdigest()
    assert loader_module.canonical_sha256(document) == expected


def test_the_reference_specs_hash_as_rfc8785_says():
    for path in sorted((REPOSITORY / "specs").rglob("openapi.yaml")):
        spec = load_spec(path)
        expected = hashlib.sha256(rfc8785.dumps(spec.bundled)).hexdigest()
        assert spec.sha256 == expected, path


def test_huge_integers_hash_as_the_doubles_json_makes_of_them(tmp_path: Path):
    text = PETS_YAML.replace("schema: {type: integer}", "schema: {maximum: 99999999999999999999}")
    spec = load_spec(write(tmp_path, "openapi.yaml", text))
    assert len(spec.sha256) == 64


def test_yaml_anchors_and_merge_keys(tmp_path: Path):
    text = PETS_YAML + dedent(
        """\
        x-base: &base {type: string, maxLength: 10}
        x-derived:
          <<: *base
          maxLength: 20
        """
    )
    spec = load_spec(write(tmp_path, "openapi.yaml", text))
    assert spec.bundled["x-derived"] == {"type": "string", "maxLength": 20}


MULTI_ROOT = """\
    openapi: 3.1.0
    info: {title: Multi, version: 2.0.0}
    paths:
      /nodes:
        get:
          operationId: listNodes
          responses:
            '200':
              description: ok
              content:
                application/json:
                  schema: {$ref: 'schemas/node.yaml#/Node'}
            '404': {$ref: '#/components/responses/NotFound'}
    components:
      responses:
        NotFound:
          description: not found
          content:
            application/problem+json:
              schema: {$ref: 'schemas/problem.json', description: Overridden}
      schemas:
        Problem: {$ref: 'schemas/problem.json'}
        Title: {$ref: '#/components/schemas/Problem/properties/title'}
    """
NODE_YAML = """\
    Node:
      type: object
      properties:
        children:
          type: array
          items: {$ref: '#/Node'}
        problem: {$ref: 'problem.json#/properties/title'}
    """
PROBLEM_JSON = """\
    {
      "type": "object",
      "description": "An RFC 9457 problem",
      "properties": {
        "title": {"type": "string", "format": "date"}
      }
    }
    """


@pytest.fixture
def multi_file_spec(tmp_path: Path) -> Path:
    write(tmp_path, "schemas/node.yaml", NODE_YAML)
    write(tmp_path, "schemas/problem.json", PROBLEM_JSON)
    return write(tmp_path, "openapi.yaml", MULTI_ROOT)


def test_external_files_are_inlined_once_and_referenced_after(multi_file_spec: Path):
    spec = load_spec(multi_file_spec)
    bundled = spec.bundled
    schemas = bundled["components"]["schemas"]
    # components are visited first, so the shared file lands there ...
    assert schemas["Problem"]["properties"]["title"] == {"type": "string", "format": "date"}
    # ... and every other use refers to it
    problem_ref = bundled["components"]["responses"]["NotFound"]["content"][
        "application/problem+json"
    ]["schema"]
    assert problem_ref == {"$ref": "#/components/schemas/Problem", "description": "Overridden"}
    node = bundled["paths"]["/nodes"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    assert node["properties"]["problem"] == {
        "$ref": "#/components/schemas/Problem/properties/title"
    }
    # a recursive schema in another file stays finite: it refers to where it was inlined
    assert node["properties"]["children"]["items"] == {
        "$ref": "#/paths/~1nodes/get/responses/200/content/application~1json/schema"
    }
    assert schemas["Title"] == {"$ref": "#/components/schemas/Problem/properties/title"}
    # the root document as written keeps its references
    assert spec.raw["components"]["schemas"]["Problem"] == {"$ref": "schemas/problem.json"}
    assert "$ref" not in json.dumps(bundled).replace('"$ref": "#/', "")  # only local refs left


def test_positions_of_inlined_content_point_into_the_file_it_came_from(
    multi_file_spec: Path, tmp_path: Path
):
    spec = load_spec(multi_file_spec)
    problem_file = str(tmp_path / "schemas" / "problem.json")
    node_file = str(tmp_path / "schemas" / "node.yaml")
    title_format = ("components", "schemas", "Problem", "properties", "title", "format")
    assert spec.locate(title_format) == Location(problem_file, 5, 43)
    schema = ("paths", "/nodes", "get", "responses", "200", "content", "application/json")
    items = (*schema, "schema", "properties", "children", "items")
    assert spec.locate(items) == Location(node_file, 6, 13)
    assert spec.locate_key(items) == Location(node_file, 6, 7)
    # the description written next to the $ref is located where it was written
    description = (
        "components",
        "responses",
        "NotFound",
        "content",
        "application/problem+json",
        "schema",
        "description",
    )
    assert spec.locate(description) == Location(str(multi_file_spec), 20, 63)
    assert spec.files == [str(multi_file_spec), problem_file, node_file]


def test_a_spec_that_refers_to_itself_by_file_name_stays_local(tmp_path: Path):
    text = PETS_YAML.replace(
        "'#/components/schemas/Pet'\n", "'openapi.yaml#/components/schemas/Pet'\n"
    )
    spec = load_spec(write(tmp_path, "openapi.yaml", text))
    schema = spec.bundled["paths"]["/pets"]["get"]["responses"]["200"]["content"]
    assert schema["application/json"]["schema"] == {"$ref": "#/components/schemas/Pet"}


def test_a_chain_of_references_that_ends_in_a_value_is_fine(tmp_path: Path):
    text = PETS_YAML + dedent(
        """\
        x-alias-1: {$ref: '#/x-alias-2'}
        x-alias-2: {$ref: '#/components/schemas/Pet'}
        """
    )
    spec = load_spec(write(tmp_path, "openapi.yaml", text))
    assert spec.bundled["x-alias-1"] == {"$ref": "#/x-alias-2"}


def test_load_document_reads_one_file_with_positions(tmp_path: Path):
    path = write(tmp_path, "profile.yaml", "block: demo\nrequirements:\n  - id: GDI-GEN-001\n")
    data, positions = load_document(path)
    assert data == {"block": "demo", "requirements": [{"id": "GDI-GEN-001"}]}
    assert positions.locate(("requirements", 0, "id")) == Location(str(path), 3, 9)


# --- remote references ---------------------------------------------------------------------


class _SchemaServer(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/slow.yaml":
            time.sleep(1.5)
        if self.path in ("/common.yaml", "/slow.yaml"):
            body = b"Ok:\n  description: fine\n  content: {}\n"
            try:
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the slow case: the client gave up waiting, as intended
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def schema_server() -> Iterator[str]:
    with serve_threaded(http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SchemaServer)) as origin:
        yield origin


def _remote_spec(tmp_path: Path, url: str) -> Path:
    return write(
        tmp_path,
        "openapi.yaml",
        f"""\
        openapi: 3.0.3
        info: {{title: Remote, version: 1.0.0}}
        paths:
          /pets:
            get:
              responses:
                '200': {{$ref: '{url}#/Ok'}}
        """,
    )


def test_remote_references_are_refused_by_default(tmp_path: Path, schema_server: str):
    path = _remote_spec(tmp_path, f"{schema_server}/common.yaml")
    with pytest.raises(SpecLoadError, match=r"remote \$ref .* refused") as caught:
        load_spec(path)
    assert (caught.value.line, caught.value.column) == (7, 23)


def test_remote_references_are_fetched_when_allowed(tmp_path: Path, schema_server: str):
    path = _remote_spec(tmp_path, f"{schema_server}/common.yaml")
    spec = load_spec(path, allow_remote=True)
    assert spec.bundled["paths"]["/pets"]["get"]["responses"]["200"] == {
        "description": "fine",
        "content": {},
    }
    located = spec.locate(("paths", "/pets", "get", "responses", "200", "description"))
    assert located == Location(f"{schema_server}/common.yaml", 2, 16)


def test_a_remote_reference_that_fails_is_one_message(tmp_path: Path, schema_server: str):
    path = _remote_spec(tmp_path, f"{schema_server}/missing.yaml")
    with pytest.raises(SpecLoadError, match="answered HTTP 404"):
        load_spec(path, allow_remote=True)


def test_a_slow_remote_reference_times_out(
    tmp_path: Path, schema_server: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(loader_module, "REMOTE_TIMEOUT_SECONDS", 0.3)
    path = _remote_spec(tmp_path, f"{schema_server}/slow.yaml")
    with pytest.raises(SpecLoadError, match=r"cannot fetch .*slow\.yaml"):
        load_spec(path, allow_remote=True)


# --- size ------------------------------------------------------------------------------------


def test_a_spec_with_five_hundred_operations_loads_quickly(tmp_path: Path):
    paths = {}
    for i in range(500):
        paths[f"/things-{i}/{{id}}"] = {
            "get": {
                "operationId": f"getThing{i}",
                "description": "Reads one thing. " * 20,
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {}}],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        f"field{j}": {"type": "string", "description": "x" * 80}
                                        for j in range(20)
                                    },
                                }
                            }
                        },
                    }
                },
            }
        }
    document = {"openapi": "3.0.3", "info": {"title": "Big", "version": "1.0.0"}, "paths": paths}
    path = tmp_path / "big.json"
    path.write_text(json.dumps(document, indent=2))
    assert path.stat().st_size > 2_000_000
    started = time.perf_counter()
    spec = load_spec(path)
    elapsed = time.perf_counter() - started
    assert len(spec.bundled["paths"]) == 500
    # Measured about 0.15 s on one core; the bound leaves room for a busy machine.
    assert elapsed < 5, f"loading took {elapsed:.2f} s"


def test_yaml_is_read_with_the_yaml_12_core_schema(tmp_path: Path):
    # As Spectral and JSON-minded readers see it: no YAML 1.1 booleans, octals or dates.
    text = PETS_YAML + dedent(
        """\
        x-values: [yes, no, on, NO, true, FALSE, 0755, 0o17, 0x1F, 1_000, 1e3, 2020-01-31, ~]
        x-keys: {200: a, true: b, null: c, 1.0: d}
        """
    )
    spec = load_spec(write(tmp_path, "openapi.yaml", text))
    assert spec.bundled["x-values"] == [
        "yes",
        "no",
        "on",
        "NO",
        True,
        False,
        755,
        15,
        31,
        "1_000",
        1000.0,
        "2020-01-31",
        None,
    ]
    assert spec.bundled["x-keys"] == {"200": "a", "true": "b", "null": "c", "1": "d"}
    assert spec.locate(("x-keys", "true")) == Location(str(tmp_path / "openapi.yaml"), 28, 24)


# Positions Spectral 6.16 reports for these paths (stylish output, 1-based), recorded by linting
# each document with rules that flag exactly these paths.
SPECTRAL_POSITIONS = [
    (
        '{"openapi":"3.0.3","info":{"title":"T","version":"1"},"servers":[{"url":"x"}],"paths":{}}\n',
        "json",
        [(("info",), 1, 27), (("info", "title"), 1, 36), (("servers",), 1, 65)],
    ),
    (
        '{\n  "openapi": "3.0.3",\n  "info" :   {\n    "title": "T",\n "version":1},\n'
        '  "servers":\n[\n{"url":"x"}], "paths": {}}\n',
        "json",
        [(("info",), 3, 10), (("info", "version"), 5, 12), (("servers",), 6, 13)],
    ),
    (
        '{\n  "openapi": "3.0.3",\n  "info": {"title": "T", "version": "1"},\n  "servers": [\n'
        '    {\n      "url": "x"\n    }\n  ],\n  "tags": [ "a",  ["b"] ],\n  "paths": {}\n}\n',
        "json",
        [(("servers", 0), 5, 5), (("tags", 1), 9, 19), (("paths",), 10, 11)],
    ),
    (
        'openapi: 3.0.3\ninfo:\n  title: T\n  version: "1"\nservers:\n  - url: x\npaths: {}\n',
        "yaml",
        [(("info",), 2, 6), (("info", "version"), 4, 12), (("servers",), 5, 9)],
    ),
    (
        "openapi: 3.0.3\ninfo:   {title:   T, version: 1}\nservers: [{url: x}]\npaths: {}\n",
        "yaml",
        [(("info",), 2, 6), (("info", "title"), 2, 19), (("servers",), 3, 9)],
    ),
    (
        'openapi: 3.0.3\ninfo: {title: T, version: "1"}\nservers:\n  - url: x\n    description: y\n'
        "tags:\n- a\n-   - b\npaths:\n  {}\n",
        "yaml",
        [(("servers", 0), 4, 5), (("tags", 0), 7, 3), (("tags", 1), 8, 5), (("paths",), 9, 7)],
    ),
]


@pytest.mark.parametrize(("text", "suffix", "expected"), SPECTRAL_POSITIONS)
def test_positions_are_where_spectral_reports_them(
    text: str, suffix: str, expected: list[tuple[tuple[str | int, ...], int, int]], tmp_path: Path
):
    path = tmp_path / f"openapi.{suffix}"
    path.write_text(text)
    spec = load_spec(path)
    for pointer, line, column in expected:
        assert spec.locate(pointer) == Location(str(path), line, column), pointer


def test_json_that_yaml_refuses_still_has_positions(tmp_path: Path):
    # A property name over YAML's 1024-character key limit, and a C1 control character.
    long_key = "k" * 2000
    document = {
        "openapi": "3.0.3",
        "info": {"title": "T", "version": "1"},
        "paths": {},
        "x-long": {long_key: [1, {"a": "b"}]},
        "x-text": "next line\u0085",
    }
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False))
    spec = load_spec(path)
    assert spec.locate(("info", "title")) == Location(str(path), 4, 14)
    assert spec.locate(("x-long", long_key, 1, "a")) == Location(str(path), 12, 14)
    assert spec.locate_key(("x-text",)) == Location(str(path), 16, 3)


def test_the_json_fallback_agrees_with_the_yaml_composer():
    text = json.dumps({"a": [1, {"b": "c", "d": [[], {}]}], "e": None}, indent=1)
    fallback = PositionIndex("f", compose_json(text))
    composer = PositionIndex("f", yaml.compose(text, Loader=BaseLoader))
    pointers = [(), ("a",), ("a", 0), ("a", 1), ("a", 1, "b"), ("a", 1, "d", 0), ("e",)]
    for pointer in pointers:
        assert fallback.locate(pointer) == composer.locate(pointer), pointer
        assert fallback.locate_key(pointer) == composer.locate_key(pointer), pointer
