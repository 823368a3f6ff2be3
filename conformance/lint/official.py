"""Where the official ADR ruleset (Spectral YAML, shipped unchanged) is."""

from __future__ import annotations

from pathlib import Path

_DATA = Path(__file__).resolve().parent / "data"


def official_ruleset_path() -> Path:
    """The official ADR 2.2 Spectral ruleset, for running Spectral next to our linter."""
    return _DATA / "linter.yaml"
