"""Request bodies are checked against the block's own OpenAPI schemas, not a hand-written copy.

One source of truth means a body the spec calls valid is never refused as invalid input, and a
body the spec forbids (an unknown field path, a postcode with a space, an extra member) always
gets 400 with ``invalidParams``. The reasons never repeat the submitted value: it may be a BSN.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from building_blocks.common import InvalidParam

_SPEC_URI = "urn:gdi:registries:openapi"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

_format_checker = FormatChecker(formats=())


@_format_checker.checks("date")
def _is_date(value: object) -> bool:
    # Only the full-date form of RFC 3339; Python's fromisoformat alone also takes "20240101".
    if not isinstance(value, str):
        return True
    if not _DATE.fullmatch(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


@_format_checker.checks("uuid")
def _is_uuid(value: object) -> bool:
    return not isinstance(value, str) or _UUID.fullmatch(value.lower()) is not None


def is_date(value: str) -> bool:
    return _is_date(value)


def param_name(path: Iterable[Any]) -> str:
    """``verblijfplaats.postcode``, ``fields[1]``; the body as a whole is ``body``."""
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def _reason(error: ValidationError) -> tuple[str, str]:
    """(code, reason) for one error, phrased without the submitted value."""
    kind = str(error.validator)
    value = error.validator_value
    reasons = {
        "type": f"Must be of type {value}.",
        "pattern": f"Does not match the pattern {value}.",
        "enum": "Is not one of the allowed values.",
        "minItems": f"Needs at least {value} item(s).",
        "maxItems": f"Allows at most {value} item(s).",
        "minLength": f"Needs at least {value} character(s).",
        "maxLength": f"Allows at most {value} character(s).",
        "minimum": f"Must be at least {value}.",
        "maximum": f"Must be at most {value}.",
        "format": f"Is not a valid {value}.",
        "uniqueItems": "Items must be unique.",
        "minProperties": f"Needs at least {value} member(s).",
        "maxProperties": f"Allows at most {value} member(s).",
    }
    return kind, reasons.get(kind, "Is not valid here.")


def _params(error: ValidationError) -> list[InvalidParam]:
    path = list(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, Mapping):
        required = error.validator_value if isinstance(error.validator_value, list) else []
        missing = [key for key in required if key not in error.instance]
        return [
            InvalidParam(param_name([*path, key]), "required", "Is required.") for key in missing
        ]
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        known = set(schema.get("properties", {}))
        extra = sorted(str(key) for key in error.instance if key not in known)
        return [
            InvalidParam(param_name([*path, key]), "unknownParam", "Is not a known member.")
            for key in extra
        ]
    code, reason = _reason(error)
    return [InvalidParam(param_name(path), code, reason)]


class RequestSchemas:
    """Validators for the request schemas under ``components.schemas`` of the spec."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        resource = Resource.from_contents(dict(document), default_specification=DRAFT4)
        self._registry: Registry[Any] = Registry().with_resource(_SPEC_URI, resource)
        self._validators: dict[str, Draft4Validator] = {}
        self.components: Mapping[str, Any] = document["components"]["schemas"]

    def _validator(self, component: str) -> Draft4Validator:
        validator = self._validators.get(component)
        if validator is None:
            if component not in self.components:
                raise KeyError(f"no schema {component!r} in the spec")
            schema = {"$ref": f"{_SPEC_URI}#/components/schemas/{component}"}
            validator = Draft4Validator(
                schema, registry=self._registry, format_checker=_format_checker
            )
            self._validators[component] = validator
        return validator

    def errors(self, component: str, instance: object) -> list[InvalidParam]:
        """Every way ``instance`` breaks the schema, in a stable order; empty when it is valid."""
        found: dict[tuple[str, str], InvalidParam] = {}
        for error in self._validator(component).iter_errors(instance):
            for param in _params(error):
                found.setdefault((param.name, param.code), param)
        return sorted(found.values(), key=lambda param: (param.name, param.code))
