"""format_path writes JSON paths exactly as Spectral's stylish output prints them."""

import pytest

from conformance.spec import format_path
from conformance.spec.pointer import parse_fragment, to_fragment


@pytest.mark.parametrize(
    ("pointer", "expected"),
    [
        (
            (
                "paths",
                "/resources",
                "get",
                "responses",
                "200",
                "content",
                "application/json",
                "schema",
                "properties",
                "date",
                "format",
            ),
            "paths./resources.get.responses[200].content.application/json.schema.properties.date.format",
        ),
        (
            ("paths", "/openapi.json", "get", "responses", "404", "content"),
            "paths./openapi.json.get.responses[404].content",
        ),
        (
            ("paths", "/resource", "get", "parameters", 1, "name"),
            "paths./resource.get.parameters[1].name",
        ),
        (
            ("paths", "/resource", "get", "parameters", "1", "name"),
            "paths./resource.get.parameters[1].name",
        ),
        (
            ("components", "schemas", "LocalDateTime", "format"),
            "components.schemas.LocalDateTime.format",
        ),
        (("info", "contact"), "info.contact"),
        ((), ""),
        (("servers",), "servers"),
        ((0, "a"), "[0].a"),
        (("x", ""), "x['']"),
        (("x", "has space"), "x['has space']"),
        (("responses", "4XX"), "responses.4XX"),
        (("responses", "default"), "responses.default"),
        (("x", "1e3"), "x[1e3]"),
        (("x", "0x1F"), "x[0x1F]"),
        (("x", "-1.5"), "x[-1.5]"),
        (("x", "a~1b"), "x.a/b"),  # Spectral decodes pointer escapes in the printed path
    ],
)
def test_format_path_matches_spectral(pointer, expected):
    assert format_path(pointer) == expected


def test_fragment_round_trip():
    pointer = ("paths", "/a/{id}", "get", "x~y")
    assert to_fragment(pointer) == "#/paths/~1a~1{id}/get/x~0y"
    assert parse_fragment(to_fragment(pointer)[1:]) == pointer


def test_fragment_must_be_a_pointer():
    with pytest.raises(ValueError, match="not a JSON pointer"):
        parse_fragment("Node")
    assert parse_fragment("") == ()
    assert parse_fragment("/a%20b") == ("a b",)
