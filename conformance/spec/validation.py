"""Structural validation of a loaded spec against the OpenAPI 3.0 / 3.1 schema.

The linter reports these as ``oas3-schema`` findings; each one carries its position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import openapi_spec_validator
import openapi_spec_validator.schemas as oas_schemas
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for

from conformance.spec.errors import Location
from conformance.spec.loader import LoadedSpec
from conformance.spec.pointer import Pointer, Segment, format_path

STRUCTURE_CODE = "oas3-schema"
_MAX_VALUE_TEXT = 60


@dataclass(frozen=True, slots=True)
class StructuralProblem:
    """One place where the document breaks the OpenAPI schema."""

    code: str  # always STRUCTURE_CODE
    message: str
    pointer: Pointer  # into spec.bundled
    json_path: str  # format_path(pointer)
    location: Location


def validate_openapi(spec: LoadedSpec) -> list[StructuralProblem]:
    """Every structural error of the bundled document, in document order, positions mapped back."""
    validator_class, schema = _validator_for(spec.openapi_version)
    problems: list[StructuralProblem] = []
    seen: set[tuple[Pointer, str]] = set()
    for error in _errors(validator_class, spec.bundled):
        pointer, message = _explain(error, spec.bundled, schema)
        if (pointer, message) in seen:
            continue
        seen.add((pointer, message))
        problems.append(
            StructuralProblem(
                STRUCTURE_CODE, message, pointer, format_path(pointer), spec.locate(pointer)
            )
        )
    problems.sort(key=lambda p: (p.location.file, p.location.line, p.location.column))
    return problems


def _validator_for(version: str) -> tuple[type[Any], Any]:
    """The validator and schema of the document's minor version (3.0 when it has none)."""
    minor = ".".join(version.split(".")[:2])
    if minor == "3.2" and hasattr(openapi_spec_validator, "OpenAPIV32SpecValidator"):
        return openapi_spec_validator.OpenAPIV32SpecValidator, oas_schemas.schema_v32
    if minor in ("3.1", "3.2"):
        return openapi_spec_validator.OpenAPIV31SpecValidator, oas_schemas.schema_v31
    return openapi_spec_validator.OpenAPIV30SpecValidator, oas_schemas.schema_v30


def _errors(validator_class: type[Any], document: dict[str, Any]) -> list[Any]:
    validator = validator_class(document)
    # The schema pass and the semantic pass are called separately: the validator's own
    # iter_errors() raises on the semantic pass when the structure is broken.
    errors: list[Any] = list(validator.schema_validator.iter_errors(document))
    try:  # semantic checks: duplicate operationIds, undeclared path parameters, ...
        errors.extend(validator.root_validator(validator.schema_path))
    except Exception:
        if not errors:
            raise
    return errors


def _explain(error: Any, document: Any, schema: dict[str, Any]) -> tuple[Pointer, str]:
    path = list(error.absolute_path) or _semantic_path(error.message)
    message = error.message
    schema_path = list(getattr(error, "schema_path", ()))
    if schema_path and schema_path[-1] in ("oneOf", "anyOf"):
        # "{...whole object...} is not valid under any of the schemas listed in 'oneOf'":
        # ask jsonschema, which keeps the branch errors, for the property actually at fault.
        found = _closest_cause(schema, schema_path[:-1], _value_at(document, path))
        if found is not None:
            path.extend(found.absolute_path)
            message = found.message
    return _normalise(document, path), _shorten(message)


def _closest_cause(schema: dict[str, Any], where: list[Any], instance: Any) -> Any:
    subschema: Any = schema
    for segment in where:
        subschema = subschema[segment]
    keep = ("$schema", "$id", "definitions", "$defs")
    wrapper = {key: schema[key] for key in keep if key in schema} | dict(subschema)
    validator_class = validator_for(schema)
    found = best_match(validator_class(wrapper).iter_errors(instance))
    while found is not None and found.context:
        found = best_match(found.context)
    return found


_SEMANTIC = re.compile(r"for '(?P<method>[a-z]+)'(?: operation)? in '(?P<path>[^']+)'")


def _semantic_path(message: str) -> list[Any]:
    # The semantic checks report no path; their messages name the operation.
    match = _SEMANTIC.search(message)
    if match is None:
        return []
    return ["paths", match["path"], match["method"]]


def _value_at(document: Any, path: list[Any]) -> Any:
    for segment in path:
        document = document[int(segment)] if isinstance(document, list) else document[str(segment)]
    return document


def _normalise(document: Any, path: list[Any]) -> Pointer:
    result: list[Segment] = []
    value = document
    for segment in path:
        if isinstance(value, list) and str(segment).isdigit():
            index = int(segment)
            result.append(index)
            value = value[index] if index < len(value) else None
        else:
            result.append(str(segment))
            value = value.get(str(segment)) if isinstance(value, dict) else None
    return tuple(result)


def _shorten(message: str) -> str:
    first_line = message.splitlines()[0] if message else "invalid"
    # "<long repr of the value> is not of type 'string'": keep the verdict, clip the value.
    for marker in (" is not ", " does not ", " is a required", " should ", " was expected"):
        head, found, tail = first_line.partition(marker)
        if found and len(head) > _MAX_VALUE_TEXT:
            return f"{head[: _MAX_VALUE_TEXT - 3]}...{found}{tail}"
    return first_line
