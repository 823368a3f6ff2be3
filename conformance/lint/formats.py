"""String formats for validating examples, checked the way ajv-formats ("full" mode) does.

Spectral validates examples with ajv + ajv-formats; jsonschema's own format checker knows
other formats (no ``uri`` without extra packages, no ``duration``), so we register ours.
Unknown formats pass, as in ajv.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections.abc import Callable
from typing import Any

from jsonschema import FormatChecker

_DATE = re.compile(r"^(\d\d\d\d)-(\d\d)-(\d\d)\Z")
_TIME = re.compile(r"^(\d\d):(\d\d):(\d\d)(\.\d+)?(z|[+-]\d\d(?::?\d\d)?)?\Z", re.IGNORECASE)
_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_DURATION = re.compile(r"^P(?!\Z)((\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?|(\d+W)?)\Z")
# ajv-formats' fast-mode patterns for URIs: a scheme and no whitespace.
_URI = re.compile(r"^(?:[a-z][a-z0-9+\-.]*:)(?:\/?\/)?[^\s]*\Z", re.IGNORECASE)
_URI_REFERENCE = re.compile(
    r"^(?:(?:[a-z][a-z0-9+\-.]*:)?\/?\/)?(?:[^\\\s#][^\s#]*)?(?:#[^\\\s]*)?\Z", re.IGNORECASE
)
_URL = re.compile(r"^(?:https?|ftp):\/\/[^\s/$.?#].[^\s]*\Z", re.IGNORECASE)
_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\Z",
    re.IGNORECASE,
)
_HOSTNAME = re.compile(
    r"^(?=.{1,253}\.?\Z)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-0-9a-z]{0,61}[0-9a-z])?)*\.?\Z",
    re.IGNORECASE,
)
_IPV4 = re.compile(r"^(?:(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\Z")
_JSON_POINTER = re.compile(r"^(?:\/(?:[^~/]|~0|~1)*)*\Z")
_RELATIVE_JSON_POINTER = re.compile(r"^(?:0|[1-9][0-9]*)(?:#|(?:\/(?:[^~/]|~0|~1)*)*)\Z")
_BASE64 = re.compile(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?\Z")
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)


def _date(text: str) -> bool:
    match = _DATE.match(text)
    if not match:
        return False
    year, month, day = (int(part) for part in match.groups())
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 1 <= month <= 12 and 1 <= day <= (29 if month == 2 and leap else _DAYS[month])


def _time(text: str) -> bool:
    match = _TIME.match(text)
    if not match:
        return False
    hour, minute, second = int(match[1]), int(match[2]), int(match[3])
    return (hour <= 23 and minute <= 59 and second <= 59) or (hour, minute, second) == (23, 59, 60)


def _date_time(text: str) -> bool:
    # ajv-formats 2.1.1 means to require a timezone here, but tests `timeZone !== ""` on an
    # undefined match group, so "2022-03-10T12:15:50" passes; Spectral accepts it, and so do we.
    parts = re.split(r"t|\s", text, flags=re.IGNORECASE)
    return len(parts) == 2 and _date(parts[0]) and _time(parts[1])


def _ipv6(text: str) -> bool:
    try:
        import ipaddress

        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _regex(text: str) -> bool:
    try:
        re.compile(text)
    except re.error:
        return False
    return True


def _byte(text: str) -> bool:
    if not _BASE64.match(text):
        return False
    try:
        base64.b64decode(text, validate=True)
    except binascii.Error:
        return False
    return True


def _uuid(text: str) -> bool:
    candidate = text[9:] if text.lower().startswith("urn:uuid:") else text
    if not re.fullmatch(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", candidate):
        return False
    uuid.UUID(candidate)
    return True


def _string_format(check: Callable[[str], bool]) -> Callable[[Any], bool]:
    return lambda value: not isinstance(value, str) or check(value)


def _integer_range(low: int, high: int) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return True
        return float(value).is_integer() and low <= value <= high

    return check


def _number(value: Any) -> bool:
    return True


_STRING_FORMATS: dict[str, Callable[[str], bool]] = {
    "date": _date,
    "time": _time,
    "date-time": _date_time,
    "duration": lambda text: bool(_DURATION.match(text)),
    "uri": lambda text: bool(_URI.match(text)),
    "uri-reference": lambda text: bool(_URI_REFERENCE.match(text)),
    "url": lambda text: bool(_URL.match(text)),
    "email": lambda text: bool(_EMAIL.match(text)),
    "hostname": lambda text: bool(_HOSTNAME.match(text)),
    "ipv4": lambda text: bool(_IPV4.match(text)),
    "ipv6": _ipv6,
    "regex": _regex,
    "uuid": _uuid,
    "json-pointer": lambda text: bool(_JSON_POINTER.match(text)),
    "relative-json-pointer": lambda text: bool(_RELATIVE_JSON_POINTER.match(text)),
    "byte": _byte,
}


def ajv_format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    for name, check in _STRING_FORMATS.items():
        checker.checks(name)(_string_format(check))
    checker.checks("int32")(_integer_range(*_INT32))
    checker.checks("int64")(_integer_range(*_INT64))
    checker.checks("float")(_number)
    checker.checks("double")(_number)
    return checker
