"""The catalogue: ``<root>/<block>/v<major>/openapi.yaml`` plus ``profile.yaml`` per block version.

Each profile is read and checked by ``conformance.spec.profile`` (shape and ids; a problem raises
ProfileError). The catalogue then checks what only the folder can say: the block matches its
folder, the spec lies inside it and its major version matches, and every operationId the
profile names exists in the spec. Those problems raise CatalogError. Both are SpecLoadErrors: one
message with file, line and column, exit code 2 at the command line.

The root is, in order: the ``root`` argument, the ``GDI_SPECS_ROOT`` environment variable, or
``conformance.paths.specs_root()`` (the catalogue shipped with the package).
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from conformance.paths import specs_root
from conformance.spec.errors import SpecLoadError
from conformance.spec.loader import LoadedSpec, load_spec
from conformance.spec.pointer import Segment, format_path
from conformance.spec.profile import Profile, ProfileError, load_profile

SPECS_ROOT_ENV = "GDI_SPECS_ROOT"
PROFILE_FILE = "profile.yaml"
_VERSION_DIR = re.compile(r"v(\d+)")
BLOCK_REFERENCE = re.compile(r"^(?P<block>[a-z][a-z0-9-]*)(@v(?P<major>\d+))?$")

# Which check ids exist is the engine's catalogue (conformance.engine.catalogue), one layer up:
# a caller that knows them passes them as ``known_checks``, and a profile naming another id gets
# a warning (most likely a typo, otherwise a check that does not exist yet).
KnownChecks = Collection[str] | None


class CatalogError(SpecLoadError):
    """The catalogue, or a block in it, is unusable (a profile's own problems are ProfileErrors)."""


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    block: str
    major: int
    directory: Path
    profile: Profile
    spec: LoadedSpec
    warnings: tuple[str, ...] = ()

    @property
    def spec_path(self) -> Path:
        return self.spec.path

    @property
    def version(self) -> str:
        return f"v{self.major}"

    @property
    def spec_title(self) -> str:
        return str(self.spec.bundled.get("info", {}).get("title", ""))

    @property
    def spec_version(self) -> str:
        return str(self.spec.bundled.get("info", {}).get("version", ""))


def catalog_root(root: str | Path | None = None) -> Path:
    if root is not None:
        return Path(root)
    from_env = os.environ.get(SPECS_ROOT_ENV)
    return Path(from_env) if from_env else specs_root()


def discover(root: str | Path | None = None) -> list[tuple[str, int, Path]]:
    """(block, major, folder) of every ``<block>/v<major>/`` holding a profile, sorted."""
    base = catalog_root(root)
    if not base.is_dir():
        raise CatalogError(f"catalogue folder not found: {base}", file=str(base))
    found = []
    for block_dir in sorted(p for p in base.iterdir() if p.is_dir()):
        for version_dir in block_dir.iterdir():
            match = _VERSION_DIR.fullmatch(version_dir.name)
            if match and version_dir.is_dir() and (version_dir / PROFILE_FILE).is_file():
                found.append((block_dir.name, int(match[1]), version_dir))
    return sorted(found, key=lambda item: (item[0], item[1]))


def list_blocks(
    root: str | Path | None = None, known_checks: KnownChecks = None
) -> list[CatalogEntry]:
    """Every block version in the catalogue, each profile and spec loaded and checked."""
    return [_entry(block, major, folder, known_checks) for block, major, folder in discover(root)]


def get_block(
    name: str,
    major: int | None = None,
    root: str | Path | None = None,
    known_checks: KnownChecks = None,
) -> CatalogEntry:
    """One block; without ``major``, its highest version."""
    versions = [(m, folder) for block, m, folder in discover(root) if block == name]
    if not versions:
        known = sorted({block for block, _m, _f in discover(root)})
        raise CatalogError(
            f"no block '{name}' in the catalogue at {catalog_root(root)} "
            f"(known: {', '.join(known) or 'none'})"
        )
    if major is None:
        major, folder = max(versions)
        return _entry(name, major, folder, known_checks)
    for candidate, folder in versions:
        if candidate == major:
            return _entry(name, major, folder, known_checks)
    available = ", ".join(f"v{m}" for m, _f in sorted(versions))
    raise CatalogError(f"block '{name}' has no version v{major} (available: {available})")


def _entry(block: str, major: int, folder: Path, known_checks: KnownChecks) -> CatalogEntry:
    profile = load_profile(folder / PROFILE_FILE)
    if profile.name != block:
        raise _at(
            profile, ("block",), f"block '{profile.name}' does not match its folder '{block}'"
        )
    spec = _load_block_spec(profile)
    _check_spec_major(profile, spec, major)
    _check_operations(profile, spec)
    warnings = tuple(_warnings(profile, known_checks))
    return CatalogEntry(block, major, folder, profile, spec, warnings)


def resolve_block(reference: str, root: Path | None = None) -> tuple[Profile, LoadedSpec]:
    """``messaging`` or ``messaging@v1`` -> its profile and loaded spec.

    Raises ProfileError for a malformed reference, CatalogError or ProfileError when the block
    or its files are unusable.
    """
    match = BLOCK_REFERENCE.match(reference)
    if not match:
        raise ProfileError(f"--bb {reference!r}: expected NAME or NAME@vMAJOR, e.g. messaging@v1")
    major = int(match["major"]) if match["major"] else None
    entry = get_block(match["block"], major, root)
    return entry.profile, entry.spec


def _load_block_spec(profile: Profile) -> LoadedSpec:
    spec_path = profile.spec_path
    if spec_path is None or profile.path is None:
        raise _at(profile, (), "a block's profile names its spec (spec: openapi.yaml)")
    if not spec_path.resolve().is_relative_to(profile.path.parent.resolve()):
        raise _at(profile, ("spec",), f"spec '{profile.spec}' lies outside the block's folder")
    if not spec_path.is_file():
        raise _at(profile, ("spec",), f"spec file not found: {spec_path}")
    try:
        return load_spec(spec_path)
    except SpecLoadError as exc:
        raise _rebrand(exc, f"the spec of block '{profile.name}' cannot be loaded: ") from None


def _check_spec_major(profile: Profile, spec: LoadedSpec, major: int) -> None:
    version = str(spec.bundled.get("info", {}).get("version", ""))
    head = version.lstrip("v").split(".")[0]
    if head.isdigit() and int(head) != major:
        raise CatalogError.at(
            f"info.version {version} of the spec does not belong in folder v{major}",
            spec.locate(("info", "version")),
            "info.version",
        )


def operation_ids(spec: LoadedSpec) -> set[str]:
    ids = set()
    for path_item in (spec.bundled.get("paths") or {}).values():
        if isinstance(path_item, dict):
            for operation in path_item.values():
                if isinstance(operation, dict) and isinstance(operation.get("operationId"), str):
                    ids.add(operation["operationId"])
    return ids


def _check_operations(profile: Profile, spec: LoadedSpec) -> None:
    known = operation_ids(spec)
    named = [
        *(("requirements", i, r.operations) for i, r in enumerate(profile.requirements)),
        *(("exceptions", i, x.operations) for i, x in enumerate(profile.exceptions)),
    ]
    for section, index, operations in named:
        for position, operation in enumerate(operations):
            if operation not in known:
                raise _at(
                    profile,
                    (section, index, "operations", position),
                    f"operation '{operation}' is not an operationId in {spec.path.name}",
                )


def _warnings(profile: Profile, known_checks: KnownChecks) -> Iterable[str]:
    for requirement in profile.requirements:
        for check in requirement.checks:
            namespace = check.split(":", 1)[0]
            if namespace == "bb" and check.split(":")[1] != profile.name:
                block = check.split(":")[1]
                yield f"{requirement.id}: check {check} belongs to block '{block}'"
            elif known_checks is not None and check not in known_checks:
                yield f"{requirement.id}: check {check} is not a known check id"


def _rebrand(error: SpecLoadError, prefix: str = "") -> CatalogError:
    return CatalogError(
        prefix + error.message,
        file=error.file,
        line=error.line,
        column=error.column,
        json_path=error.json_path,
    )


def _at(profile: Profile, pointer: tuple[Segment, ...], message: str) -> CatalogError:
    location = profile.locate(pointer)
    json_path = format_path(pointer) or None
    if location is None:
        return CatalogError(message, file=str(profile.path), json_path=json_path)
    return CatalogError.at(message, location, json_path)
