"""Conformance harness for the building blocks of the Dutch Generic Digital Infrastructure."""

from typing import Any

__all__ = ["__version__"]


def __getattr__(name: str) -> Any:
    # Looked up when first asked for: importlib.metadata costs a short command a tenth of a second.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("gdi-conformance")
        except PackageNotFoundError:  # running from a checkout that was never installed
            found = "0.0.0+unknown"
        globals()["__version__"] = found
        return found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
