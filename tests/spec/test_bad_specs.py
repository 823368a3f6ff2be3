"""Every way a spec can be unusable gives one clear, located message and exit code 2.

The committed files live in fixtures/bad-specs/; the huge, binary and filesystem cases are made
in tmp_path at test time.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.spec import SpecLoadError, load_spec
from conformance.spec.documents import MAX_SPEC_BYTES

BAD_SPECS = Path(__file__).resolve().parents[2] / "fixtures" / "bad-specs"

# file -> (words the message must contain, line, column); line None: the whole file is at fault.
CASES: dict[str, tuple[str, int | None, int | None]] = {
    "invalid-yaml.yaml": ("invalid YAML: while parsing a block mapping", 5, 2),
    "unclosed-quote.yaml": ("found unexpected end of stream (it began at line 3, column 10)", 6, 1),
    "invalid-json.json": ("invalid JSON: Expecting property name", 5, 1),
    "top-level-list.yaml": ("not an OpenAPI document: the top level is a list", 1, 1),
    "no-openapi-field.yaml": ("the 'openapi' field (e.g. openapi: 3.0.3) is missing", 1, 1),
    "swagger-2.json": ("Swagger 2.0 (OpenAPI 2) is not supported", 2, 14),
    "openapi-version-2.yaml": ("OpenAPI 2.0.0 is not supported: expected 3.x", 1, 10),
    "openapi-version-number.yaml": ('must be a version string such as "3.0.3"', 1, 10),
    "empty.yaml": ("file is empty", None, None),
    "comments-only.yaml": ("file holds no document", None, None),
    "multiple-documents.yaml": ("expected a single document in the stream", 4, 1),
    "duplicate-keys.yaml": ("duplicate key '/pets' (first defined at line 4)", 8, 3),
    "duplicate-keys.json": ("duplicate key 'version'", 3, 59),
    "yaml-bomb.yaml": ("YAML aliases expand to more than 1,000,000 extra nodes", 9, 6),
    "yaml-recursive-alias.yaml": ("recursive YAML alias", 4, 9),
    "unknown-tag.yaml": ("unsupported tag 'tag:yaml.org,2002:python/object:os.system'", 3, 10),
    "bad-scalar-tag.yaml": ("unusable YAML: 'lots' is not a valid int", 8, 16),
    "not-a-number.yaml": ("the number inf cannot be represented in JSON", 8, 16),
    "invalid-utf8.yaml": ("not valid UTF-8 (byte 0xe9)", 3, 13),
    "ref-missing-file.yaml": (
        "$ref './responses/does-not-exist.yaml' cannot be loaded: "
        "responses/does-not-exist.yaml: file not found",
        8,
        17,
    ),
    "ref-missing-pointer.yaml": (
        "$ref '#/components/schemas/Pett' cannot be resolved: this document has nothing at "
        "'#/components/schemas/Pett'",
        12,
        23,
    ),
    "ref-remote.yaml": (
        "remote $ref 'https://example.com/common.yaml#/responses/Ok' refused",
        8,
        17,
    ),
    "ref-cycle.yaml": (
        "$ref cycle: #/components/schemas/A -> #/components/schemas/B -> #/components/schemas/A",
        7,
        13,
    ),
    "ref-cycle-across-files.yaml": (
        "$ref cycle: #/components/schemas/Pet -> parts/cycle-part.yaml#/Pet -> "
        "#/components/schemas/Pet",
        7,
        13,
    ),
    "ref-not-a-pointer.yaml": ("'#Pet' is not a JSON pointer", 7, 13),
    "ref-unsupported-scheme.yaml": ("'ftp:' references are not supported", 7, 13),
    "ref-outside-parent.yaml": ("refused: it points outside the spec's folder", 8, 17),
    "ref-outside-absolute.yaml": ("refused: it points outside the spec's folder", 8, 17),
}

JSON_PATHS = {
    "duplicate-keys.yaml": "paths./pets",
    "duplicate-keys.json": "info.version",
    "not-a-number.yaml": "components.schemas.Amount.maximum",
    "ref-missing-pointer.yaml": (
        "paths./pets.get.responses[200].content.application/json.schema.$ref"
    ),
    "ref-remote.yaml": "paths./pets.get.responses[200].$ref",
    "swagger-2.json": "swagger",
}


@pytest.fixture
def in_bad_specs(monkeypatch: pytest.MonkeyPatch) -> Path:
    # Relative paths, so messages name files as a user would have typed them.
    monkeypatch.chdir(BAD_SPECS)
    return BAD_SPECS


def test_the_fixture_folder_covers_at_least_eighteen_cases():
    committed = {p.name for p in BAD_SPECS.iterdir() if p.is_file()}
    assert set(CASES) <= committed
    assert len(CASES) >= 18


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_spec_raises_one_located_message(name: str, in_bad_specs: Path):
    words, line, column = CASES[name]
    with pytest.raises(SpecLoadError) as caught:
        load_spec(name)
    error = caught.value
    assert words in error.message
    assert error.file == name
    assert (error.line, error.column) == (line, column)
    if name in JSON_PATHS:
        assert error.json_path == JSON_PATHS[name]
    where = name if line is None else f"{name}:{line}:{column}"
    assert str(error).startswith(f"{where}: ")


@pytest.mark.parametrize("name", sorted(CASES))
def test_cli_exits_2_with_the_message_and_no_traceback(
    name: str, in_bad_specs: Path, capsys: pytest.CaptureFixture[str]
):
    assert main(["spec", name]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert CASES[name][0] in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_broken_referenced_file_is_named_with_its_own_position(in_bad_specs: Path):
    with pytest.raises(SpecLoadError) as caught:
        load_spec("ref-broken-target.yaml")
    error = caught.value
    assert error.file == os.path.join("parts", "broken.yaml")
    assert (error.line, error.column) == (4, 1)
    assert "did not find expected ',' or '}' (it began at line 3, column 9)" in error.message


def test_the_linter_may_read_a_document_without_a_usable_openapi_field(in_bad_specs: Path):
    spec = load_spec("no-openapi-field.yaml", require_openapi=False)
    assert spec.openapi_version == ""
    assert spec.raw["info"]["title"] == "Has no openapi field"
    assert load_spec("openapi-version-2.yaml", require_openapi=False).openapi_version == "2.0.0"
    with pytest.raises(SpecLoadError, match="top level is a list"):
        load_spec("top-level-list.yaml", require_openapi=False)


# --- made at test time ---------------------------------------------------------------------


def _expect(path: Path, words: str, line: int | None = None) -> SpecLoadError:
    with pytest.raises(SpecLoadError) as caught:
        load_spec(path)
    assert words in caught.value.message
    assert caught.value.file == str(path)
    assert caught.value.line == line
    return caught.value


def test_a_file_above_the_size_cap_is_refused_without_being_read(tmp_path: Path):
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as handle:  # sparse: 50 MB on paper, nothing written
        handle.truncate(50 * 1024 * 1024)
    assert MAX_SPEC_BYTES == 32 * 1024 * 1024
    _expect(huge, "file is 50.0 MB, larger than the 32 MB a spec may be")


def test_a_binary_file_is_refused(tmp_path: Path):
    binary = tmp_path / "logo.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    # The PNG signature holds two newlines before its first NUL byte.
    _expect(binary, "binary file (contains NUL bytes), not YAML or JSON", line=3)


def test_a_utf16_file_is_refused_with_a_hint(tmp_path: Path):
    wide = tmp_path / "wide.json"
    wide.write_bytes('{"openapi": "3.0.3"}'.encode("utf-16"))
    _expect(wide, "file is UTF-16 encoded; save it as UTF-8", line=1)


def test_a_missing_file(tmp_path: Path):
    _expect(tmp_path / "nope.yaml", "file not found")


def test_a_directory(tmp_path: Path):
    _expect(tmp_path, "is a directory, not a spec file")


def test_a_fifo_is_not_read(tmp_path: Path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    _expect(fifo, "not a regular file")


def test_a_file_without_read_permission(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    locked = tmp_path / "locked.yaml"
    locked.write_text("openapi: 3.0.3\n")
    locked.chmod(0)
    if os.geteuid() == 0:  # root reads anything; make the open fail the way it would for a user
        real_open = Path.open

        def refuse(self: Path, *args: object, **kwargs: object):
            if self == locked:
                raise PermissionError(13, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(Path, "open", refuse)
    _expect(locked, "permission denied")


def test_a_deeply_nested_document(tmp_path: Path):
    deep = tmp_path / "deep.json"
    deep.write_text('{"openapi": "3.0.3", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    _expect(deep, "document is nested too deeply")


@pytest.mark.slow
def test_the_process_prints_no_traceback(tmp_path: Path):
    # Once as a real process, to be sure nothing below main() writes to stderr on its own.
    binary = tmp_path / "blob.json"
    binary.write_bytes(b"\x00" * 64)
    for target in (binary, BAD_SPECS / "yaml-bomb.yaml"):
        result = subprocess.run(
            [sys.executable, "-m", "conformance", "spec", str(target)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith(f"gdi-conformance spec: {target}")


MUTATIONS = [
    b"!!int abc",
    b"&a",
    b"*a",
    b"<<: *a",
    b"$ref: '#/x'",
    b"$ref: 'nope.yaml'",
    b"{",
    b"]",
    b"\t",
    b"\x00",
    b"\xff",
    b"- ",
    b": ",
    b"'",
    b"!!set {a, b}",
    b"? [a]\n: b",
    b".inf",
    b"--- ",
    b"$ref: 5",
    b"$ref: '#'",
]


@pytest.mark.slow  # seconds of work: the full lane runs it
def test_mangled_specs_raise_spec_load_errors_only(tmp_path: Path):
    # A seeded mini-fuzz: whatever the damage, the loader either loads or says what is wrong.
    rng = random.Random(20240601)
    source = (BAD_SPECS.parent.parent / "specs" / "messaging" / "v1" / "openapi.yaml").read_bytes()
    target = tmp_path / "openapi.yaml"
    for _ in range(150):
        damaged = bytearray(source)
        for _ in range(rng.randint(1, 4)):
            position = rng.randrange(len(damaged))
            choice = rng.random()
            if choice < 0.4:
                damaged[position:position] = rng.choice(MUTATIONS)
            elif choice < 0.7:
                del damaged[position : position + rng.randint(1, 20)]
            else:
                damaged[position] = rng.randrange(256)
        target.write_bytes(bytes(damaged))
        try:
            load_spec(target)
        except SpecLoadError as error:
            assert error.file is not None
            assert error.message
