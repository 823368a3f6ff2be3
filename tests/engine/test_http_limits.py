"""The limits on what the harness reads, without a server: the bracket scan and the redactor's
walk (depth), and ``bounded_chunks`` (size and time), the rule both HTTP ways share."""

from __future__ import annotations

import json
import time

import pytest

from conformance.httplimits import (
    MAX_JSON_DEPTH,
    TooLarge,
    TooSlow,
    bounded_chunks,
    json_depth,
    too_deep,
    too_large,
)
from conformance.results.redaction import REDACTED, TOO_DEEP, Redactor


@pytest.mark.parametrize(
    ("body", "depth"),
    [
        (b"{}", 1),
        (b'{"a": [1, {"b": []}]}', 4),
        (b'["[[[[", "]]", "\\"[["]', 1),  # brackets in strings, escaped quotes
        (b'["\\\\", [[]]]', 3),  # an escaped backslash ends before the quote
        (b"plain text", 0),
    ],
)
def test_json_depth_counts_brackets_outside_strings(body: bytes, depth: int) -> None:
    assert json_depth(body) == depth


def test_json_depth_stops_counting_past_the_limit() -> None:
    deep = b"[" * 3000 + b"]" * 3000
    assert json_depth(deep) == MAX_JSON_DEPTH + 1
    assert too_deep(deep, "application/json") is not None
    assert too_deep(deep, "text/plain") is not None  # it looks like JSON all the same
    nested = json.dumps(json.loads("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)).encode()
    assert too_deep(nested, "application/json") is None


def test_redactor_keeps_working_on_bodies_too_deep_to_walk() -> None:
    redactor = Redactor(["s3cr3t-value"])
    deep = "[" * 3000 + '"s3cr3t-value"' + "]" * 3000
    redacted = redactor.body(deep, "application/json")
    assert "s3cr3t-value" not in redacted
    assert REDACTED in redacted
    medium = '{"a":' * 100 + '{"access_token": "abc"}' + "}" * 100  # parses, too deep to walk
    assert '"access_token": "[REDACTED]"' in redactor.body(medium, "application/json")


def test_scrub_replaces_what_nests_too_deeply() -> None:
    tree: object = "leaf"
    for _ in range(3000):
        tree = [tree]
    scrubbed = Redactor().scrub({"deep": tree})
    depth = 0
    node = scrubbed["deep"]
    while isinstance(node, list):
        node, depth = node[0], depth + 1
    assert node == TOO_DEEP
    assert depth < 100


def test_bounded_chunks_yields_up_to_the_cap_then_says_why() -> None:
    read: list[bytes] = []
    with pytest.raises(TooLarge, match=too_large(10)):
        for chunk in bounded_chunks([b"abcd", b"efgh", b"ijkl", b"mnop"], 10, float("inf")):
            read.append(chunk)
    assert b"".join(read) == b"abcdefghij"


def test_bounded_chunks_passes_a_body_within_the_cap_whole() -> None:
    assert b"".join(bounded_chunks([b"abcd", b"efgh"], 8, float("inf"))) == b"abcdefgh"


def test_bounded_chunks_stops_past_the_deadline() -> None:
    with pytest.raises(TooSlow):
        list(bounded_chunks([b"a"], 10, time.monotonic() - 1))
