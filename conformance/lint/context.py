"""What a rule gets to look at: the bundled document, its resolved walk, and helpers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar, cast

from conformance.lint.resolve import Pointer, deref
from conformance.lint.walk import DocIndex, build_index

if TYPE_CHECKING:
    from conformance.spec.loader import LoadedSpec

T = TypeVar("T")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_LEADING_INT = re.compile(r"\s*([+-]?\d+)")


def _major(value: Any) -> int | None:
    """JavaScript's ``parseInt(String(value))`` for the ``openapi``/``swagger`` field."""
    if isinstance(value, bool) or value is None:
        return None
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    match = _LEADING_INT.match(text)
    return int(match.group(1)) if match else None


@dataclass(frozen=True, slots=True)
class Operation:
    path: str  # the key under $.paths
    method: str
    pointer: Pointer
    value: dict[str, Any]
    path_item: dict[str, Any]


class LintContext:
    def __init__(self, document: Any, adr_version: str, spec: LoadedSpec | None = None) -> None:
        self.document = document
        self.adr_version = adr_version
        self.spec = spec  # the loaded spec the document came from (None for a bare document)
        self._shared: dict[str, Any] = {}

    def shared(self, name: str, factory: Callable[[], T]) -> T:
        """One object per lint run that several rules use (built on first use)."""
        if name not in self._shared:
            self._shared[name] = factory()
        return cast(T, self._shared[name])

    @cached_property
    def index(self) -> DocIndex:
        return build_index(self.document)

    @cached_property
    def is_openapi3(self) -> bool:
        """Spectral's ``oas3`` format test: an object with ``openapi`` whose major is 3."""
        doc = self.document
        return type(doc) is dict and "openapi" in doc and _major(doc["openapi"]) == 3

    @cached_property
    def is_openapi2(self) -> bool:
        doc = self.document
        return type(doc) is dict and "swagger" in doc and _major(doc["swagger"]) == 2

    def resolve(self, value: Any) -> Any:
        """``value`` with local $refs followed (as the rules see the resolved document)."""
        return deref(self.document, value)

    def root(self, key: str) -> Any:
        doc = self.document
        return self.resolve(doc.get(key)) if type(doc) is dict else None

    def path_items(self) -> Iterator[tuple[str, dict[str, Any]]]:
        paths = self.root("paths")
        if type(paths) is not dict:
            return
        for path, item in paths.items():
            item = self.resolve(item)
            if type(item) is dict:
                yield path, item

    def operations(self, methods: tuple[str, ...] = HTTP_METHODS) -> Iterator[Operation]:
        for path, item in self.path_items():
            for method, operation in item.items():
                if method not in methods:
                    continue
                operation = self.resolve(operation)
                if type(operation) is dict:
                    yield Operation(path, method, ("paths", path, method), operation, item)

    def parameters(
        self, owner: dict[str, Any], pointer: Pointer
    ) -> Iterator[tuple[Pointer, dict[str, Any]]]:
        """The (resolved) parameter objects listed by a path item or operation."""
        params = self.resolve(owner.get("parameters"))
        if type(params) is not list:
            return
        for position, param in enumerate(params):
            param = self.resolve(param)
            if type(param) is dict:
                yield (*pointer, "parameters", position), param
