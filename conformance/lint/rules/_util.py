"""Small helpers that mirror how Spectral feeds a node to a rule function."""

from __future__ import annotations

import json
from typing import Any

from conformance.lint.resolve import Pointer

UNDEFINED: Any = object()  # JavaScript's undefined: a field that is not there


def field_target(value: Any, field: str, pointer: Pointer) -> tuple[Any, Pointer]:
    """The target of ``then.field`` (Spectral's getLintTargets for a plain field name).

    On an object or array the target is the field (``UNDEFINED`` if absent); on anything else
    Spectral ignores the field and hands the value itself to the function.
    """
    if type(value) is dict:
        return value.get(field, UNDEFINED), (*pointer, field)
    if type(value) is list:
        return UNDEFINED, (*pointer, field)
    return value, pointer


def js_string(value: Any) -> str:
    """``String(value)`` in JavaScript, for names used as object keys."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict):
        return "[object Object]"
    if isinstance(value, list):
        return ",".join(js_string(item) for item in value)
    return str(value)


def printed(value: Any) -> str:
    """A value quoted for a message, as Spectral's printValue does."""
    if isinstance(value, str):
        return f'"{value}"'
    return json.dumps(value)
