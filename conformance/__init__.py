"""Conformance harness for the building blocks of the Dutch Generic Digital Infrastructure."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gdi-conformance")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
