"""String formats for validating examples, checked the way ajv-formats ("full" mode) does.

Spectral validates examples with ajv + ajv-formats 2.1.1 in full mode; jsonschema's own format
checker knows other formats (no ``uri`` without extra packages, no ``duration``), so we register
ajv-formats' own. Its regular expressions are in ``data/ajv-formats.json``, copied verbatim from
ajv-formats (MIT); ``_python_regex`` translates the little JavaScript syntax they use. The
functions (date, time, date-time, uri, byte, regex) follow ajv-formats' code. Unknown formats
pass, as in ajv.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema import FormatChecker

_PATTERNS = Path(__file__).resolve().parent / "data" / "ajv-formats.json"
_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_INT32 = (-(2**31), 2**31 - 1)
_JS_UNICODE_ESCAPE = re.compile(r"\\u\{([0-9a-fA-F]+)\}")


def _python_regex(source: str, flags: str) -> re.Pattern[str]:
    """A JavaScript regular expression as Python's ``re``: ``$`` outside a character class is
    the end of the text (``\\Z``; Python's ``$`` also matches before a final newline, unless
    multiline), ``\\u{hex}`` is the character, ``\\d`` is ASCII digits."""
    source = _JS_UNICODE_ESCAPE.sub(lambda m: chr(int(m[1], 16)), source)
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(source):
        char = source[index]
        if char == "\\":
            escape = source[index : index + 2]
            out.append("[0-9]" if escape == "\\d" and not in_class else escape)
            index += 2
            continue
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "$" and not in_class and "m" not in flags:
            char = r"\Z"
        out.append(char)
        index += 1
    options = 0
    if "i" in flags:
        options |= re.IGNORECASE
    if "m" in flags:
        options |= re.MULTILINE
    return re.compile("".join(out), options)


@cache
def _pattern(name: str) -> re.Pattern[str]:
    spec = json.loads(_PATTERNS.read_text(encoding="utf-8"))["patterns"][name]
    return _python_regex(spec["source"], spec["flags"])


def _matches(name: str) -> Callable[[str], bool]:
    return lambda text: _pattern(name).search(text) is not None


def _date(text: str) -> bool:
    match = _pattern("date").match(text)
    if not match:
        return False
    year, month, day = (int(part) for part in match.groups())
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 1 <= month <= 12 and 1 <= day <= (29 if month == 2 and leap else _DAYS[month])


def _time(text: str) -> bool:
    match = _pattern("time").match(text)
    if not match:
        return False
    hour, minute, second = int(match[1]), int(match[2]), int(match[3])
    return (hour <= 23 and minute <= 59 and second <= 59) or (hour, minute, second) == (23, 59, 60)


def _date_time(text: str) -> bool:
    # ajv-formats 2.1.1 means to require a timezone here, but tests `timeZone !== ""` on an
    # undefined match group, so "2022-03-10T12:15:50" passes; Spectral accepts it, and so do we.
    parts = re.split(r"t|\s", text, flags=re.IGNORECASE)
    return len(parts) == 2 and _date(parts[0]) and _time(parts[1])


def _uri(text: str) -> bool:
    # "http://jmrware.com/articles/2009/uri_regexp/URI_regex.html + optional protocol + required
    # '.'": a scheme, and a "/" or ":" somewhere.
    return _matches("uri:not-a-fragment")(text) and _matches("uri")(text)


def _regex(text: str) -> bool:
    if _pattern("regex:z-anchor").search(text):  # \Z is no JavaScript
        return False
    try:
        re.compile(text)
    except re.error:
        return False
    return True


def _int32(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return True  # a number format says nothing about other types
    return float(value).is_integer() and _INT32[0] <= value <= _INT32[1]


def _int64(value: Any) -> bool:
    # JavaScript numbers: any integer passes (ajv-formats: "any int that passes isInteger").
    if isinstance(value, bool) or not isinstance(value, int | float):
        return True
    return isinstance(value, int) or value.is_integer()


def _string_format(check: Callable[[str], bool]) -> Callable[[Any], bool]:
    return lambda value: not isinstance(value, str) or check(value)


_REGEX_FORMATS = (
    "duration",
    "uri-reference",
    "uri-template",
    "url",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "uuid",
    "json-pointer",
    "json-pointer-uri-fragment",
    "relative-json-pointer",
    "byte",
)
STRING_FORMATS: dict[str, Callable[[str], bool]] = {
    "date": _date,
    "time": _time,
    "date-time": _date_time,
    "uri": _uri,
    "regex": _regex,
    **{name: _matches(name) for name in _REGEX_FORMATS},
}


def ajv_format_checker() -> FormatChecker:
    from jsonschema import FormatChecker  # only the Python validators need it

    checker = FormatChecker(formats=())
    for name, check in STRING_FORMATS.items():
        checker.checks(name)(_string_format(check))
    checker.checks("int32")(_int32)
    checker.checks("int64")(_int64)
    for name in ("float", "double", "password", "binary"):
        checker.checks(name)(lambda value: True)
    return checker
