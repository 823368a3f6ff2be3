"""The catalogue: ``<root>/<block>/v<major>/openapi.yaml`` plus ``profile.yaml`` per block version.

A profile is checked in two steps: its shape against ``profile.schema.json`` (shipped in this
package), then what a schema cannot say (unique ids, the id prefix, the folder it sits in, and that
every operationId it names exists in its spec). Any problem raises CatalogError, which is a
SpecLoadError: one message with file, line and column, exit code 2 at the command line.

The root is, in order: the ``root`` argument, the ``GDI_SPECS_ROOT`` environment variable, or
``conformance.paths.specs_root()`` (the catalogue shipped with the package).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from conformance.paths import specs_root
from conformance.spec.errors import Location, SpecLoadError
from conformance.spec.loader import LoadedSpec, load_document, load_spec
from conformance.spec.pointer import Segment, format_path
from conformance.spec.positions import PositionIndex

SPECS_ROOT_ENV = "GDI_SPECS_ROOT"
PROFILE_FILE = "profile.yaml"
LEVELS = ("MUST", "SHOULD", "MAY")
_VERSION_DIR = re.compile(r"v(\d+)")

# Which check ids exist is the engine's catalogue (conformance.engine.catalogue), one layer up:
# a caller that knows them passes them as ``known_checks``, and a profile naming another id gets
# a warning (most likely a typo, otherwise a check that does not exist yet).
KnownChecks = Collection[str] | None


class CatalogError(SpecLoadError):
    """The catalogue, a profile or a block's spec is unusable."""


@dataclass(frozen=True, slots=True)
class Requirement:
    id: str
    level: str  # MUST | SHOULD | MAY
    statement: str
    checks: tuple[str, ...]
    adr: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProfileException:
    """A deliberate, explained deviation from an ADR rule or a check."""

    id: str
    rule: str
    reason: str
    operations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Profile:
    path: Path
    block: str
    title: str
    profile_version: str
    spec: str  # relative to the profile
    id_prefix: str
    requirements: tuple[Requirement, ...]
    exceptions: tuple[ProfileException, ...] = ()
    _positions: PositionIndex | None = field(default=None, repr=False, compare=False)

    @property
    def spec_path(self) -> Path:
        return self.path.parent / self.spec

    def level_counts(self) -> dict[str, int]:
        counts = Counter(requirement.level for requirement in self.requirements)
        return {level: counts.get(level, 0) for level in LEVELS}

    def requirement(self, requirement_id: str) -> Requirement | None:
        return next((r for r in self.requirements if r.id == requirement_id), None)

    def locate(self, pointer: Sequence[Segment]) -> Location:
        if self._positions is None:
            return Location(str(self.path), 1, 1)
        return self._positions.locate(pointer)


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
    if profile.block != block:
        raise _at(
            profile,
            ("block",),
            f"block '{profile.block}' does not match its folder '{block}'",
        )
    spec = _load_block_spec(profile)
    _check_spec_major(profile, spec, major)
    _check_operations(profile, spec)
    warnings = tuple(_warnings(profile, known_checks))
    return CatalogEntry(block, major, folder, profile, spec, warnings)


def load_profile(path: str | Path) -> Profile:
    """Read and check one profile.yaml (shape and ids; not yet its spec)."""
    try:
        data, positions = load_document(path)
    except SpecLoadError as exc:
        raise _rebrand(exc) from None
    display = str(path)
    error = best_match(_schema_validator().iter_errors(data))
    if error is not None:
        pointer = tuple(error.absolute_path)
        raise CatalogError.at(
            f"profile is invalid: {_describe(error)}",
            positions.locate(pointer),
            format_path(pointer) or None,
        )
    assert isinstance(data, dict)  # the schema demands an object
    profile = Profile(
        path=Path(path),
        block=data["block"],
        title=data["title"],
        profile_version=data["profile_version"],
        spec=data["spec"],
        id_prefix=data["id_prefix"],
        requirements=tuple(_requirement(item) for item in data["requirements"]),
        exceptions=tuple(_exception(item) for item in data.get("exceptions") or ()),
        _positions=positions,
    )
    _check_ids(profile, display)
    return profile


def _requirement(item: dict[str, Any]) -> Requirement:
    return Requirement(
        id=item["id"],
        level=item["level"],
        statement=item["statement"].strip(),
        checks=tuple(item["checks"]),
        adr=tuple(item.get("adr") or ()),
        operations=tuple(item.get("operations") or ()),
    )


def _exception(item: dict[str, Any]) -> ProfileException:
    return ProfileException(
        id=item["id"],
        rule=item["rule"],
        reason=" ".join(item["reason"].split()),
        operations=tuple(item.get("operations") or ()),
    )


@cache
def _schema_validator() -> Draft202012Validator:
    text = files("conformance.spec").joinpath("profile.schema.json").read_text(encoding="utf-8")
    return Draft202012Validator(json.loads(text))


def _describe(error: Any) -> str:
    if error.validator == "pattern":
        expected = error.schema.get("description") or f"pattern {error.validator_value}"
        return f"{error.instance!r} does not have the expected form: {expected}"
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties", "unknown fields")
    return str(error.message)


def _check_ids(profile: Profile, display: str) -> None:
    seen: dict[str, tuple[Segment, ...]] = {}
    items: Iterable[tuple[str, tuple[Segment, ...]]] = [
        *((r.id, ("requirements", i, "id")) for i, r in enumerate(profile.requirements)),
        *((x.id, ("exceptions", i, "id")) for i, x in enumerate(profile.exceptions)),
    ]
    for item_id, pointer in items:
        if not item_id.startswith(profile.id_prefix + "-"):
            raise _at(
                profile,
                pointer,
                f"id {item_id} does not start with the id_prefix {profile.id_prefix}",
            )
        if item_id in seen:
            first = profile.locate(seen[item_id])
            raise _at(profile, pointer, f"duplicate id {item_id} (first used at line {first.line})")
        seen[item_id] = pointer


def _load_block_spec(profile: Profile) -> LoadedSpec:
    spec_path = profile.spec_path
    if not spec_path.resolve().is_relative_to(profile.path.parent.resolve()):
        raise _at(profile, ("spec",), f"spec '{profile.spec}' lies outside the block's folder")
    if not spec_path.is_file():
        raise _at(profile, ("spec",), f"spec file not found: {spec_path}")
    try:
        return load_spec(spec_path)
    except SpecLoadError as exc:
        raise _rebrand(exc, f"the spec of block '{profile.block}' cannot be loaded: ") from None


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
            if namespace == "bb" and check.split(":")[1] != profile.block:
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
    return CatalogError.at(message, profile.locate(pointer), format_path(pointer))
