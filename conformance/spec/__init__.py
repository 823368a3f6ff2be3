"""spec layer (see ARCHITECTURE.md): loading specs, $ref bundling, positions, the catalogue."""

from conformance.spec.loader import (
    LoadedSpec,
    Location,
    PositionIndex,
    SpecLoadError,
    format_path,
    load_document,
    load_spec,
)

__all__ = [
    "LoadedSpec",
    "Location",
    "PositionIndex",
    "SpecLoadError",
    "format_path",
    "load_document",
    "load_spec",
]
