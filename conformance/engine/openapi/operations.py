"""The operations of a spec, as the engine labels them ("GET /tasks/{taskId}")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from conformance.engine.openapi.datetimes import SchemaWalker

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PATH_PARAMETER = re.compile(r"\{([^}/]+)\}")


@cache
def path_pattern(path: str) -> re.Pattern[str]:
    """The paths a template matches ("/tasks/{taskId}"), one group per parameter."""
    parts = PATH_PARAMETER.split(path)
    pattern = "".join(
        "([^/]+)" if index % 2 else re.escape(part) for index, part in enumerate(parts)
    )
    return re.compile(f"^{pattern}$")


@dataclass(frozen=True, slots=True)
class OperationInfo:
    method: str  # upper case
    path: str  # the template, as written in the spec
    operation_id: str | None
    declared_statuses: tuple[str, ...]
    parameters: tuple[dict[str, Any], ...]  # path-level and operation-level, $refs resolved

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def list_operations(document: dict[str, Any]) -> list[OperationInfo]:
    walker = SchemaWalker(document)
    operations = []
    for path, item in (document.get("paths") or {}).items():
        item = walker.resolve(item)
        if not isinstance(item, dict):
            continue
        shared = [walker.resolve(p) for p in item.get("parameters") or []]
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            own = [walker.resolve(p) for p in operation.get("parameters") or []]
            own_keys = {(p.get("name"), p.get("in")) for p in own if isinstance(p, dict)}
            parameters = [p for p in shared if (p.get("name"), p.get("in")) not in own_keys] + own
            responses = walker.resolve(operation.get("responses") or {})
            operations.append(
                OperationInfo(
                    method=method.upper(),
                    path=path,
                    operation_id=operation.get("operationId"),
                    declared_statuses=tuple(str(code) for code in responses),
                    parameters=tuple(p for p in parameters if isinstance(p, dict)),
                )
            )
    return operations


def sample_value(parameter: dict[str, Any], walker: SchemaWalker) -> str:
    """A plausible value for a path parameter: its example, default or enum, else by type."""
    if "example" in parameter:
        return str(parameter["example"])
    for example in (parameter.get("examples") or {}).values():
        example = walker.resolve(example)
        if isinstance(example, dict) and "value" in example:
            return str(example["value"])
    schema = walker.resolve(parameter.get("schema") or {})
    for key in ("example", "default"):
        if key in schema:
            return str(schema[key])
    if schema.get("enum"):
        return str(schema["enum"][0])
    if schema.get("type") in ("integer", "number"):
        minimum = schema.get("minimum", 1)
        return str(max(int(minimum), 1) if schema.get("maximum", 1) >= 1 else int(minimum))
    if schema.get("format") == "uuid":
        return "00000000-0000-4000-8000-000000000000"
    return "1"


def fill_path(operation: OperationInfo, walker: SchemaWalker) -> str:
    path = operation.path
    for parameter in operation.parameters:
        if parameter.get("in") == "path":
            path = path.replace(
                "{" + str(parameter.get("name")) + "}", sample_value(parameter, walker)
            )
    return path
