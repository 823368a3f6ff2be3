"""Machine-independent names for spec and profile files, as reports name them.

A report is read on other machines than the one that made it, so it never names a local
absolute path: a catalogue file is ``catalog:<block>/v<major>/<file>`` (wherever the catalogue
is installed), a file given relative to the working directory keeps that relative path, and
any other file is named by its file name alone.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from conformance.paths import specs_root

CATALOG_PREFIX = "catalog:"


def _inside(path: Path, root: Path) -> PurePosixPath | None:
    try:
        return PurePosixPath(path.resolve().relative_to(root.resolve()).as_posix())
    except ValueError:
        return None


def portable_label(path: str | Path, *, cwd: Path | None = None) -> str:
    """``catalog:messaging/v1/openapi.yaml``, ``specs/x.yaml`` (relative) or ``x.yaml``."""
    path = Path(path)
    base = cwd or Path.cwd()
    in_catalog = _inside(base / path, specs_root())
    if in_catalog is not None:
        return CATALOG_PREFIX + str(in_catalog)
    if not path.is_absolute():
        return path.as_posix()
    relative = _inside(path, base)
    if relative is not None:
        return str(relative)
    return path.name


def label_path(label: str, *, cwd: Path | None = None) -> Path | None:
    """The local file a label names, if it can be found here (None otherwise)."""
    if label.startswith(CATALOG_PREFIX):
        relative = PurePosixPath(label[len(CATALOG_PREFIX) :])
        if relative.is_absolute() or ".." in relative.parts:
            return None
        candidate = specs_root().joinpath(*relative.parts)
    else:
        candidate = (cwd or Path.cwd()) / label
    return candidate if candidate.is_file() else None
