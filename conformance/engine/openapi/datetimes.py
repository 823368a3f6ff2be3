"""Find the date and date-time values in a response body, guided by its declared schema.

ADR /core/date-time/*: a ``format: date`` field holds a full date (no time portion), a
``format: date-time`` field an RFC 3339 date-time with an uppercase ``T`` and, in responses,
UTC written as ``Z``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_TIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})T(?P<time>\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?P<offset>Z|[+-]\d{2}:\d{2})$"
)
MAX_DEPTH = 48

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}


class SchemaWalker:
    """Resolves local ``$ref``s in one document and walks a schema alongside an instance."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def resolve(self, schema: Any) -> Any:
        seen: set[str] = set()
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            ref = schema["$ref"]
            if not ref.startswith("#/") or ref in seen:
                return {}
            seen.add(ref)
            target: Any = self.document
            for token in ref[2:].split("/"):
                key = token.replace("~1", "/").replace("~0", "~")
                if isinstance(target, dict) and key in target:
                    target = target[key]
                elif isinstance(target, list) and key.isdigit() and int(key) < len(target):
                    target = target[int(key)]
                else:
                    return {}
            schema = target
        return schema

    def date_values(self, schema: Any, instance: Any) -> Iterator[tuple[str, str, str]]:
        """(json path, format, value) for every date/date-time string the schema declares."""
        seen: set[tuple[str, str]] = set()
        for path, fmt, value in self._walk(schema, instance, "$", 0):
            if (path, fmt) not in seen:
                seen.add((path, fmt))
                yield path, fmt, value

    def _walk(
        self, schema: Any, instance: Any, path: str, depth: int
    ) -> Iterator[tuple[str, str, str]]:
        schema = self.resolve(schema)
        if depth > MAX_DEPTH or not isinstance(schema, dict):
            return
        fmt = schema.get("format")
        if isinstance(instance, str) and fmt in ("date", "date-time"):
            yield path, fmt, instance
        for keyword in ("allOf", "anyOf", "oneOf"):
            for branch in schema.get(keyword) or []:
                if self._may_describe(branch, instance):
                    yield from self._walk(branch, instance, path, depth + 1)
        if isinstance(instance, dict):
            properties = schema.get("properties") or {}
            extra = schema.get("additionalProperties")
            for key, value in instance.items():
                if key in properties:
                    yield from self._walk(properties[key], value, f"{path}.{key}", depth + 1)
                elif isinstance(extra, dict):
                    yield from self._walk(extra, value, f"{path}.{key}", depth + 1)
        elif isinstance(instance, list) and isinstance(schema.get("items"), dict):
            for index, value in enumerate(instance):
                yield from self._walk(schema["items"], value, f"{path}[{index}]", depth + 1)

    def _may_describe(self, branch: Any, instance: Any) -> bool:
        # A oneOf/anyOf branch of another JSON type cannot be the one this value follows.
        branch = self.resolve(branch)
        declared = branch.get("type") if isinstance(branch, dict) else None
        if not isinstance(declared, str) or declared not in _JSON_TYPES:
            return True
        return isinstance(instance, _JSON_TYPES[declared]) and not (
            isinstance(instance, bool) and declared in ("integer", "number")
        )


def date_problem(fmt: str, value: str) -> str | None:
    """Why ``value`` breaks the ADR date rules for ``fmt``, or None when it is fine."""
    if fmt == "date":
        if not FULL_DATE.match(value):
            return f"{value!r} is not a full date (YYYY-MM-DD without a time portion)"
        try:
            date.fromisoformat(value)
        except ValueError:
            return f"{value!r} is not a valid calendar date"
        return None
    match = DATE_TIME.match(value)
    if not match:
        return f"{value!r} is not an RFC 3339 date-time with an uppercase T and a time zone"
    # RFC 3339 allows any number of fraction digits; Python parses at most six.
    time_part = re.sub(r"(\.\d{6})\d+", r"\1", match["time"])
    try:
        datetime.fromisoformat(f"{match['date']}T{time_part}")
    except ValueError:
        return f"{value!r} is not a valid date-time"
    if match["offset"] != "Z":
        return f"{value!r} is not in UTC: responses write date-times with Z"
    return None
