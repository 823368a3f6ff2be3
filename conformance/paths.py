"""Where the catalogue (specs/) and the seed data (fixtures/seed/) live.

Installed from a wheel they sit in ``conformance/_data``; in a source checkout (editable
install, or running from the repository) they sit at the repository root.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_REPO_ROOT = _PACKAGE.parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[-1]


def specs_root() -> Path:
    """The catalogue folder: ``<block>/v<major>/openapi.yaml`` and ``profile.yaml``."""
    return _first_existing(_PACKAGE / "_data" / "specs", _REPO_ROOT / "specs")


def seed_root() -> Path:
    """Synthetic seed data for the reference building blocks."""
    return _first_existing(_PACKAGE / "_data" / "seed", _REPO_ROOT / "fixtures" / "seed")
