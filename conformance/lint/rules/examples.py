"""oas3-valid-media-example and oas3-valid-schema-example: examples match their schema.

Ported from Spectral's oasExample: media objects (and parameters/headers) with a ``schema`` and
an ``example``/``examples``, and schema objects with an ``example``/``default``. For media in a
request body, readOnly properties are not required; in a response, writeOnly ones are not.
Like Spectral (ajv without allErrors) each example reports its first error only; which error
is "first" follows jsonschema's order, so with several errors the node inside the example can
differ from Spectral's. conformance.lint.example_check answers first where it can (jsonschema-rs,
and no import of the Python validators).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from conformance.lint.context import LintContext
from conformance.lint.example_check import CannotJudge, FastCheck, uses_broken_ref
from conformance.lint.registry import Hit, rule
from conformance.lint.resolve import Pointer, follow, local_ref, origin_of
from conformance.lint.walk import media_context

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError


@cache
def _validator_classes() -> tuple[Any, Any]:
    """(OAS 3.0, OAS 3.1) validators with plain ``required``; imported on the first example
    (openapi-schema-validator takes a good part of a second to import)."""
    from jsonschema.exceptions import ValidationError
    from jsonschema.validators import extend
    from openapi_schema_validator import OAS30Validator, OAS31Validator

    def plain_required(
        validator: Any, required: Any, instance: Any, schema: Any
    ) -> Iterator[ValidationError]:
        """``required`` as JSON Schema defines it. openapi-schema-validator's own version skips
        readOnly and writeOnly properties everywhere; Spectral relaxes them only for request
        (readOnly) or response (writeOnly) media, which _relax_required does beforehand."""
        if not validator.is_type(instance, "object"):
            return
        for name in required:
            if name not in instance:
                yield ValidationError(f"{name!r} is a required property")

    # types-jsonschema leaves extend() unannotated; what it returns is used as Any above.
    return (
        extend(OAS30Validator, {"required": plain_required}),  # type: ignore[no-untyped-call]
        extend(OAS31Validator, {"required": plain_required}),  # type: ignore[no-untyped-call]
    )


@cache
def _formats() -> Any:
    from conformance.lint.formats import ajv_format_checker

    return ajv_format_checker()


# ajv's keyword order (type first, then untyped, number, string, array, object keywords), so the
# first error we meet is the one ajv (and so Spectral) reports.
_AJV_ORDER = {
    keyword: rank
    for rank, keyword in enumerate(
        (
            "$ref", "type", "nullable", "const", "enum", "not", "anyOf", "oneOf", "allOf", "if",
            "then", "else", "maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum",
            "multipleOf", "maxLength", "minLength", "pattern", "format", "maxItems", "minItems",
            "uniqueItems", "additionalItems", "prefixItems", "items", "contains",
            "maxProperties", "minProperties", "required", "propertyNames",
            "additionalProperties", "dependencies", "properties", "patternProperties",
        )
    )
}  # fmt: skip
# json-schema-traverse's keyword groups: where a subschema sits inside a schema.
_SCHEMA_KEYWORDS = (
    "additionalItems", "items", "contains", "additionalProperties", "propertyNames", "not",
    "if", "then", "else",
)  # fmt: skip
_ARRAY_KEYWORDS = ("items", "allOf", "anyOf", "oneOf", "prefixItems")
_MAP_KEYWORDS = ("$defs", "definitions", "properties", "patternProperties", "dependencies")


class _Validation:
    """Validators sharing one root (the whole document), so '#/components/...' refs resolve."""

    def __init__(self, ctx: LintContext) -> None:
        self.ctx = ctx
        self.document = ctx.document
        self._broken_closures: dict[Pointer, bool] = {}

    def reaches_broken_ref(self, schema_at: Pointer) -> bool:
        """Whether the schema written at ``schema_at`` uses, at any depth, a $ref that does
        not resolve (only worth asking when the spec has such a $ref)."""
        spec = self.ctx.spec
        if spec is None or not spec.broken_refs:
            return False
        found = self._broken_closures.get(schema_at)
        if found is None:
            found = self._broken_closures[schema_at] = uses_broken_ref(self.document, schema_at)
        return found

    @cached_property
    def fast(self) -> FastCheck | None:
        openapi = str(self.document.get("openapi", "")) if type(self.document) is dict else ""
        try:
            return FastCheck(self.ctx, openapi)
        except Exception:  # e.g. a document jsonschema-rs cannot take in: no fast path
            return None

    @cached_property
    def root(self) -> Any:
        openapi = str(self.document.get("openapi", "")) if type(self.document) is dict else ""
        oas30, oas31 = _validator_classes()
        cls = oas30 if openapi.startswith("3.0") else oas31
        return cls(self.document, format_checker=_formats())

    def first_error(self, schema: Any, instance: Any) -> ValidationError | None:
        if type(schema) is not dict and type(schema) is not bool:
            return None
        validator = self.root.evolve(schema=schema)
        try:
            return next(iter(validator.iter_errors(instance)), None)
        except Exception:  # a $ref that does not resolve: Spectral ignores those too
            return None


def _context_of(ctx: LintContext) -> _Validation:
    return ctx.shared("example-validation", lambda: _Validation(ctx))


def _message(error: ValidationError, item_pointer: Pointer) -> str:
    path = list(error.absolute_path)
    name = str(path[-1]) if path else str(item_pointer[-1])
    keyword = error.validator
    if keyword == "type":
        expected = error.validator_value
        expected = ",".join(expected) if isinstance(expected, list) else expected
        return f'"{name}" property type must be {expected}'
    if keyword == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f'"{name}" property must have required property "{missing}"'
    if keyword == "format":
        return f'"{name}" property must match format "{error.validator_value}"'
    if keyword == "enum":
        return f'"{name}" property must be equal to one of the allowed values'
    return f'"{name}" property {error.message}'


class _Prepared:
    """A schema as Spectral validates an example against it, built only when needed.

    The fast path validates against the schema as written ($refs resolved by the validator).
    Only an example that fails is checked again against the full copy: $refs inlined, keywords
    in ajv's order (so the first error is ajv's) and readOnly/writeOnly relaxed for request/
    response media. Relaxing only removes constraints, so an example valid as written stays valid.
    """

    def __init__(
        self, document: Any, schema: Any, *, read_only: bool = False, write_only: bool = False
    ) -> None:
        self.document = document
        self.schema = schema
        self.read_only = read_only
        self.write_only = write_only
        self._full: Any = None

    def full(self) -> Any:
        if self._full is None:
            self._full = _inline(self.document, self.schema, ())
            _relax_required(self._full, read_only=self.read_only, write_only=self.write_only)
        return self._full


# Tests set this to compare the jsonschema-rs answers with the Python validators' answers.
_SLOW_ONLY = False


def _hit(
    validation: _Validation, schema: _Prepared, value: Any, pointer: Pointer, schema_at: Pointer
) -> Iterator[Hit]:
    if validation.reaches_broken_ref(schema_at):
        return  # Spectral cannot compile such a schema and skips its examples
    fast = None if _SLOW_ONLY else validation.fast
    valid = fast.accepts(schema_at, value) if fast is not None else None
    if valid:
        return
    if valid is False and fast is not None:
        try:
            found = fast.first_error(schema.full(), value, pointer)
        except CannotJudge:
            pass
        else:
            if found is not None:
                yield Hit((*pointer, *found[0]), found[1])
            return
    if validation.first_error(schema.schema, value) is None:
        return
    error = validation.first_error(schema.full(), value)
    if error is not None:
        yield Hit((*pointer, *error.absolute_path), _message(error, pointer))


@rule(
    "oas3-valid-media-example",
    adr="/core/publish-openapi",
    severity="error",
    origin="spectral:oas",
    needs_openapi3=True,
    description="Examples must be valid against their defined schema.",
)
def oas3_valid_media_example(ctx: LintContext) -> Iterator[Hit]:
    validation = _context_of(ctx)
    for pointer, media in ctx.index.media_examples:
        where = media_context(pointer)
        schema = _Prepared(
            ctx.document,
            media["schema"],
            read_only=where == "request",
            write_only=where == "response",
        )
        schema_at = origin_of(ctx.document, (*pointer, "schema"))
        if "example" in media:
            yield from _hit(validation, schema, media["example"], (*pointer, "example"), schema_at)
            continue
        examples = ctx.resolve(media.get("examples"))
        if type(examples) is not dict:
            continue
        for key, example in examples.items():
            example = ctx.resolve(example)
            if type(example) is not dict or "externalValue" in example:
                continue
            item: Pointer = (*pointer, "examples", key, "value")
            if "value" not in example:
                yield Hit(item, '"value" property must exist')
                continue
            yield from _hit(validation, schema, example["value"], item, schema_at)


@rule(
    "oas3-valid-schema-example",
    adr="/core/publish-openapi",
    severity="error",
    origin="spectral:oas",
    needs_openapi3=True,
    description="Examples must be valid against their defined schema.",
)
def oas3_valid_schema_example(ctx: LintContext) -> Iterator[Hit]:
    validation = _context_of(ctx)
    for pointer, schema in ctx.index.schema_examples:
        prepared = _Prepared(ctx.document, schema)
        schema_at = origin_of(ctx.document, pointer)
        for field in ("example", "default"):
            if field in schema:
                yield from _hit(validation, prepared, schema[field], (*pointer, field), schema_at)


def _inline(document: Any, value: Any, chain: tuple[Pointer, ...]) -> Any:
    """A copy of a schema with local $refs replaced by their targets (a loop keeps its $ref),
    keywords in ajv's order. (Values inside ``example``/``enum`` are reordered too, which changes
    nothing: object key order has no meaning in JSON.)"""
    target = local_ref(value)
    if target is not None:
        if target in chain:
            return copy.deepcopy(value)
        resolved, where = follow(document, value)
        if where is None:
            return copy.deepcopy(value)
        return _inline(document, resolved, (*chain, where))
    if type(value) is dict:
        ordered = sorted(value.items(), key=lambda pair: _AJV_ORDER.get(pair[0], len(_AJV_ORDER)))
        return {key: _inline(document, item, chain) for key, item in ordered}
    if type(value) is list:
        return [_inline(document, item, chain) for item in value]
    return value


def _relax_required(
    schema: Any, *, read_only: bool, write_only: bool, under_not: bool = False
) -> None:
    """Drop readOnly (request) / writeOnly (response) properties from ``required`` lists."""
    if type(schema) is not dict or not (read_only or write_only):
        return
    props = schema.get("properties")
    if type(props) is dict and not under_not:
        required = schema.get("required")
        if required is None or type(required) is list:
            drop = {
                name
                for name, sub in props.items()
                if type(sub) is dict
                and (
                    (read_only and sub.get("readOnly") is True)
                    or (write_only and sub.get("writeOnly") is True)
                )
            }
            if drop and type(required) is list:
                kept = [name for name in required if name not in drop]
                if kept:
                    schema["required"] = kept
                else:
                    del schema["required"]
    for keyword in _SCHEMA_KEYWORDS:
        _relax_required(schema.get(keyword), read_only=read_only, write_only=write_only,
                        under_not=under_not or keyword == "not")  # fmt: skip
    for keyword in _ARRAY_KEYWORDS:
        members = schema.get(keyword)
        if type(members) is list:
            for member in members:
                _relax_required(
                    member, read_only=read_only, write_only=write_only, under_not=under_not
                )
    for keyword in _MAP_KEYWORDS:
        members = schema.get(keyword)
        if type(members) is dict:
            for member in members.values():
                _relax_required(
                    member, read_only=read_only, write_only=write_only, under_not=under_not
                )
