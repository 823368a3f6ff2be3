"""A fast first check of examples with jsonschema-rs, before any Python validator.

Importing openapi-schema-validator (with pydantic and an HTTP client) costs a short lint most of
its time, and validating with it is slow; most examples are valid, and most invalid ones have
one error. FastCheck answers those; whatever it cannot judge the rules hand to the Python
validators (conformance.lint.rules.examples), which decide.
"""

from __future__ import annotations

from typing import Any

from conformance.lint.context import LintContext
from conformance.lint.resolve import Pointer, follow, get
from conformance.spec.pointer import to_fragment


class FastCheck:
    """Examples judged with jsonschema-rs, where it can tell what the Python validators say.

    The whole document is one resource of a jsonschema-rs registry and each schema is compiled
    where it is written, so '#/components/...' refs resolve; the string formats are ajv's
    (conformance.lint.formats). ``accepts`` says valid, invalid or "cannot judge" (a schema it
    cannot compile, a number an int32/int64 format could reject: jsonschema-rs checks formats on
    strings only). ``first_error`` gives the finding for an invalid example when every error
    says the same at the same place. OpenAPI 3.0's ``nullable: true`` next to a ``type`` is read
    as that type or null, as the OpenAPI validator reads it.
    """

    def __init__(self, ctx: LintContext, openapi: str) -> None:
        import jsonschema_rs

        from conformance.lint.formats import STRING_FORMATS

        self._jsonschema_rs = jsonschema_rs
        self._document = ctx.document
        self._integer_formats = ctx.index.integer_formats
        self._draft4 = openapi.startswith("3.0")
        draft = jsonschema_rs.Draft4 if self._draft4 else jsonschema_rs.Draft202012
        document = ctx.document
        if self._draft4 and ctx.index.nullable:
            document = _nullable_as_type(document)
        self._registry = jsonschema_rs.Registry([(_BASE, document)], draft=draft)
        self._formats = STRING_FORMATS
        self._validators: dict[Pointer, Any] = {}

    def accepts(self, schema_at: Pointer, value: Any) -> bool | None:
        """Whether ``value`` is valid against the schema written at ``schema_at``: True, False,
        or None when jsonschema-rs cannot judge it (then the Python validators decide)."""
        if self._integer_formats and not _int32_numbers_only(value):
            return None
        validator = self._validators.get(schema_at, _UNCOMPILED)
        if validator is _UNCOMPILED:
            validator = self._compile(schema_at)
            self._validators[schema_at] = validator
        if validator is None:
            return None
        try:
            return bool(validator.is_valid(value))
        except Exception:  # anything jsonschema-rs cannot judge goes the slow way
            return None

    def first_error(self, full: Any, value: Any, item: Pointer) -> tuple[Pointer, str] | None:
        """The error of ``value`` against a prepared (inlined, relaxed) schema, as (path in the
        value, message); None if it is valid. Raises CannotJudge unless every error there is
        of a kind whose message we know and says the same at the same place: then that is also
        what the first error ajv would meet says, whatever order keywords are checked in."""
        rs = self._jsonschema_rs
        cls = rs.Draft4Validator if self._draft4 else rs.Draft202012Validator
        compiled = _nullable_as_type(full) if self._draft4 else full
        try:
            validator = cls(compiled, formats=self._formats, validate_formats=True)
            errors = list(validator.iter_errors(value))
        except Exception:  # e.g. a recursive schema still holding its $ref
            raise CannotJudge from None
        if not errors:
            return None
        found = {self._finding(full, error, item) for error in errors}
        if len(found) > 1:
            raise CannotJudge
        return found.pop()

    @staticmethod
    def _finding(full: Any, error: Any, item: Pointer) -> tuple[Pointer, str]:
        keyword = type(error.kind).__name__
        path = tuple(error.instance_path)
        name = str(path[-1]) if path else str(item[-1])
        if keyword == "Type":
            expected = _value_at(full, list(error.schema_path))
            expected = ",".join(expected) if isinstance(expected, list) else expected
            return path, f'"{name}" property type must be {expected}'
        if keyword == "Required":
            return path, f'"{name}" property must have required property "{error.kind.property}"'
        if keyword == "Format":
            return path, f'"{name}" property must match format "{error.kind.format}"'
        if keyword == "Enum":
            return path, f'"{name}" property must be equal to one of the allowed values'
        raise CannotJudge

    def _compile(self, schema_at: Pointer) -> Any:
        rs = self._jsonschema_rs
        cls = rs.Draft4Validator if self._draft4 else rs.Draft202012Validator
        try:
            return cls(
                {"$ref": _BASE + to_fragment(schema_at)},
                registry=self._registry,
                formats=self._formats,
                validate_formats=True,
            )
        except Exception:  # a $ref that does not resolve, a pattern it cannot read, ...
            return None


_BASE = "urn:gdi-conformance:document"
_UNCOMPILED = object()


class CannotJudge(Exception):
    """jsonschema-rs cannot say which error the Python validators would report first."""


def _value_at(schema: Any, path: list[Any]) -> Any:
    for segment in path:
        schema = schema[segment] if type(schema) is dict else schema[int(segment)]
    return schema


def uses_broken_ref(document: Any, schema_at: Pointer) -> bool:
    stack = [get(document, schema_at)]
    seen: set[int] = set()
    while stack:
        value = stack.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        if type(value) is dict:
            if type(value.get("$ref")) is str:
                resolved, target = follow(document, value)
                if target is None:
                    return True
                stack.append(resolved)
            stack.extend(value.values())
        elif type(value) is list:
            stack.extend(value)
    return False


def _nullable_as_type(value: Any) -> Any:
    """A copy in which ``{type: T, nullable: true}`` reads ``{type: [T, "null"]}``."""
    if type(value) is list:
        return [_nullable_as_type(item) for item in value]
    if type(value) is not dict:
        return value
    copied = {key: _nullable_as_type(item) for key, item in value.items()}
    if copied.get("nullable") is True and type(copied.get("type")) is str:
        copied["type"] = [copied["type"], "null"]
    return copied


def _int32_numbers_only(value: Any) -> bool:
    """No number in ``value`` that an int32/int64 format could reject."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind is float:
            if not item.is_integer() or not -(2**31) <= item < 2**31:
                return False
        elif kind is int and not -(2**31) <= item < 2**31:
            return False
    return True
