"""JSON pointers: parsing, encoding, and printing them the way Spectral does.

A pointer is kept as a tuple of segments: ``str`` for object keys, ``int`` for array indexes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import unquote

Segment = str | int
Pointer = tuple[Segment, ...]

_WHITESPACE = re.compile(r"\s")
# What JavaScript's Number(text) accepts (after trimming, which cannot matter here because a
# segment with whitespace is bracketed before this test): decimal, 0x/0o/0b integers, Infinity.
_JS_NUMBER = re.compile(
    r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+"
)


def _is_js_numeric(segment: str) -> bool:
    return _JS_NUMBER.fullmatch(segment) is not None


def _dot_segment(segment: Segment, index: int) -> str:
    # Mirrors @stoplight/spectral-runtime printPath(path, PrintStyle.Dot): numbers, numeric
    # strings (response codes), empty keys and keys with whitespace are bracketed.
    if isinstance(segment, int):
        return f"[{segment}]"
    if segment == "":
        return "['']"
    if _WHITESPACE.search(segment):
        return f"['{segment}']"
    if _is_js_numeric(segment):
        return f"[{segment}]"
    return segment if index == 0 else f".{segment}"


def format_path(pointer: Sequence[Segment]) -> str:
    """Write a pointer as Spectral prints it, e.g. ``paths./pets.get.responses[200].content``."""
    dotted = "".join(_dot_segment(segment, index) for index, segment in enumerate(pointer))
    # Spectral decodes the whole string as a pointer fragment afterwards; keep that quirk.
    return dotted.replace("~1", "/").replace("~0", "~")


def escape_segment(segment: Segment) -> str:
    return str(segment).replace("~", "~0").replace("/", "~1")


def to_fragment(pointer: Sequence[Segment]) -> str:
    """``("components", "schemas", "Pet")`` -> ``#/components/schemas/Pet``."""
    return "#" + "".join("/" + escape_segment(segment) for segment in pointer)


def parse_fragment(fragment: str) -> Pointer:
    """Parse the part after '#' of a $ref (``/a/b~1c``); raises ValueError if it is no pointer."""
    text = unquote(fragment)
    if text == "":
        return ()
    if not text.startswith("/"):
        raise ValueError(f"'#{fragment}' is not a JSON pointer (it must start with '#/')")
    return tuple(part.replace("~1", "/").replace("~0", "~") for part in text[1:].split("/"))
