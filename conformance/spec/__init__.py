"""spec layer (see ARCHITECTURE.md): loading specs, $ref bundling, positions, the catalogue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conformance.spec.loader import (
    LoadedSpec,
    Location,
    PositionIndex,
    SpecLoadError,
    format_path,
    load_document,
    load_spec,
)

if TYPE_CHECKING:
    from conformance.spec.validation import StructuralProblem, validate_openapi

__all__ = [
    "LoadedSpec",
    "Location",
    "PositionIndex",
    "SpecLoadError",
    "StructuralProblem",
    "format_path",
    "load_document",
    "load_spec",
    "validate_openapi",
]


def __getattr__(name: str) -> Any:
    # The OpenAPI schema validator takes a while to import; only commands that validate pay it.
    if name in ("validate_openapi", "StructuralProblem"):
        from conformance.spec import validation

        return getattr(validation, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
