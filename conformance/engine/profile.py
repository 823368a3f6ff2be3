"""Profiles as the engine needs them: requirements (with their checks) and exceptions.

A building block's profile lives in the catalogue (``specs/<block>/v<major>/profile.yaml``,
format in the catalogue's profile schema); a spec without one is checked against the generic
GDI profile shipped in ``data/generic-profile.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from conformance.results import Level
from conformance.spec import LoadedSpec, catalog, load_document
from conformance.spec.loader import canonical_sha256

REQUIREMENT_ID = re.compile(r"^GDI-(IDN|MSG|REG|GEN)-\d{3}$")
BLOCK_REFERENCE = re.compile(r"^(?P<block>[a-z][a-z0-9-]*)(@v(?P<major>\d+))?$")


class ProfileError(Exception):
    """The profile cannot be used; the message says what and where."""


@dataclass(frozen=True, slots=True)
class Requirement:
    id: str
    level: Level
    statement: str
    checks: tuple[str, ...]
    adr: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()  # operationIds it is limited to; empty = all


@dataclass(frozen=True, slots=True)
class ProfileException:
    id: str
    rule: str  # an ADR rule id or a check id
    reason: str
    operations: tuple[str, ...] = ()  # empty = every operation


@dataclass(frozen=True, slots=True)
class Profile:
    kind: str  # "block" or "generic"
    name: str
    title: str
    version: str
    id_prefix: str
    sha256: str
    requirements: tuple[Requirement, ...]
    exceptions: tuple[ProfileException, ...] = ()
    path: Path | None = None
    spec_path: Path | None = None  # the spec the profile belongs to (blocks only)

    @property
    def check_ids(self) -> frozenset[str]:
        return frozenset(check for item in self.requirements for check in item.checks)


@dataclass(frozen=True, slots=True)
class _Source:
    where: str
    data: dict[str, Any] = field(default_factory=dict)


def _text(source: _Source, mapping: dict[str, Any], key: str, where: str) -> str:
    value = mapping.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ProfileError(f"{source.where}: {where}.{key} must be a non-empty string")
    return value


def _strings(source: _Source, mapping: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = mapping.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ProfileError(f"{source.where}: {where}.{key} must be a list of strings")
    return tuple(value)


def _requirement(source: _Source, item: Any, index: int) -> Requirement:
    where = f"requirements[{index}]"
    if not isinstance(item, dict):
        raise ProfileError(f"{source.where}: {where} must be a mapping")
    ident = _text(source, item, "id", where)
    if not REQUIREMENT_ID.match(ident):
        raise ProfileError(f"{source.where}: {where}.id {ident!r} is not like GDI-MSG-001")
    level = _text(source, item, "level", where)
    if level not in Level.__members__:
        raise ProfileError(f"{source.where}: {where}.level must be MUST, SHOULD or MAY")
    checks = _strings(source, item, "checks", where)
    if not checks:
        raise ProfileError(f"{source.where}: {where}.checks must name at least one check")
    return Requirement(
        id=ident,
        level=Level(level),
        statement=_text(source, item, "statement", where),
        checks=checks,
        adr=_strings(source, item, "adr", where),
        operations=_strings(source, item, "operations", where),
    )


def _exception(source: _Source, item: Any, index: int) -> ProfileException:
    where = f"exceptions[{index}]"
    if not isinstance(item, dict):
        raise ProfileError(f"{source.where}: {where} must be a mapping")
    return ProfileException(
        id=_text(source, item, "id", where),
        rule=_text(source, item, "rule", where),
        reason=" ".join(_text(source, item, "reason", where).split()),
        operations=_strings(source, item, "operations", where),
    )


def parse_profile(
    data: Any, *, where: str, kind: str = "generic", path: Path | None = None
) -> Profile:
    if not isinstance(data, dict):
        raise ProfileError(f"{where}: a profile is a mapping with block, requirements, ...")
    source = _Source(where=where, data=data)
    requirements = data.get("requirements")
    if not isinstance(requirements, list) or not requirements:
        raise ProfileError(f"{where}: requirements must be a non-empty list")
    exceptions = data.get("exceptions") or []
    if not isinstance(exceptions, list):
        raise ProfileError(f"{where}: exceptions must be a list")
    parsed = tuple(_requirement(source, item, index) for index, item in enumerate(requirements))
    seen: set[str] = set()
    for requirement in parsed:
        if requirement.id in seen:
            raise ProfileError(f"{where}: requirement {requirement.id} is defined twice")
        seen.add(requirement.id)
    return Profile(
        kind=kind,
        name=_text(source, data, "block", "profile"),
        title=_text(source, data, "title", "profile"),
        version=str(data.get("profile_version", "")) or "0.0.0",
        id_prefix=_text(source, data, "id_prefix", "profile"),
        sha256=canonical_sha256(data),
        requirements=parsed,
        exceptions=tuple(_exception(source, item, index) for index, item in enumerate(exceptions)),
        path=path,
    )


def generic_profile() -> Profile:
    """The generic GDI profile (requirement ids GDI-GEN-0xx)."""
    text = (
        resources.files("conformance.engine")
        .joinpath("data/generic-profile.yaml")
        .read_text("utf-8")
    )
    return parse_profile(yaml.safe_load(text), where="generic profile", kind="generic")


def from_catalog(entry: catalog.CatalogEntry) -> Profile:
    """The engine's view of a catalogue block profile (already checked by the catalogue)."""
    source = entry.profile
    data, _ = load_document(source.path)
    return Profile(
        kind="block",
        name=source.block,
        title=source.title,
        version=source.profile_version,
        id_prefix=source.id_prefix,
        sha256=canonical_sha256(data),
        requirements=tuple(
            Requirement(
                id=item.id,
                level=Level(item.level),
                statement=item.statement,
                checks=item.checks,
                adr=item.adr,
                operations=item.operations,
            )
            for item in source.requirements
        ),
        exceptions=tuple(
            ProfileException(
                id=item.id, rule=item.rule, reason=item.reason, operations=item.operations
            )
            for item in source.exceptions
        ),
        path=source.path,
        spec_path=source.spec_path,
    )


def resolve_block(reference: str, root: Path | None = None) -> tuple[Profile, LoadedSpec]:
    """``messaging`` or ``messaging@v1`` -> its catalogue profile and loaded spec.

    Raises ``ProfileError`` for a malformed reference and ``catalog.CatalogError`` (a
    ``SpecLoadError``) when the block or its files are unusable.
    """
    match = BLOCK_REFERENCE.match(reference)
    if not match:
        raise ProfileError(f"--bb {reference!r}: expected NAME or NAME@vMAJOR, e.g. messaging@v1")
    major = int(match["major"]) if match["major"] else None
    entry = catalog.get_block(match["block"], major, root)
    return from_catalog(entry), entry.spec
