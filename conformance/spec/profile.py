"""A conformance profile: the requirements an implementation must meet, the checks that prove
them, and the deliberate exceptions to the NL GOV API Design Rules.

One model for every profile: a building block's ``specs/<block>/v<major>/profile.yaml`` (which
names its spec) and the engine's generic profile (which applies to any spec, so names none).
Every profile is checked the same way: its shape against ``profile.schema.json`` (shipped in this
package, the only description of the format), then what a schema cannot say (unique ids, the id
prefix). Any problem raises ProfileError, a SpecLoadError: one message with the file, the line
where known, and the path at fault; exit code 2 at the command line.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.spec.documents import parse_text
from conformance.spec.errors import Location, SpecLoadError
from conformance.spec.loader import canonical_sha256, load_document
from conformance.spec.pointer import Segment, format_path
from conformance.spec.positions import PositionIndex

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError


class Level(StrEnum):
    MUST = "MUST"
    SHOULD = "SHOULD"
    MAY = "MAY"


LEVELS = tuple(level.value for level in Level)


class ProfileError(SpecLoadError):
    """A profile, or a reference to one, is unusable: what, in which file, at which path."""


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
    """A deliberate, explained deviation from an ADR rule or a check."""

    id: str
    rule: str  # an ADR rule id or a check id
    reason: str
    operations: tuple[str, ...] = ()  # empty = every operation


@dataclass(frozen=True, slots=True)
class Profile:
    name: str  # the profile's ``block``: a catalogue folder name, or "generic"
    title: str
    version: str  # profile_version
    id_prefix: str
    sha256: str  # of the profile's content (canonical JSON), so reports pin what they judged
    requirements: tuple[Requirement, ...]
    exceptions: tuple[ProfileException, ...] = ()
    spec: str | None = None  # a block profile's OpenAPI document, relative to the profile
    path: Path | None = None  # the file it was read from; None for the shipped generic profile
    _positions: PositionIndex | None = field(default=None, repr=False, compare=False)

    @property
    def kind(self) -> str:
        """``block`` for a profile of one block's spec, ``generic`` for one that fits any spec."""
        return "generic" if self.spec is None else "block"

    @property
    def spec_path(self) -> Path | None:
        if self.spec is None or self.path is None:
            return None
        return self.path.parent / self.spec

    @property
    def check_ids(self) -> frozenset[str]:
        return frozenset(check for item in self.requirements for check in item.checks)

    def level_counts(self) -> dict[str, int]:
        counts = Counter(requirement.level.value for requirement in self.requirements)
        return {level: counts.get(level, 0) for level in LEVELS}

    def requirement(self, requirement_id: str) -> Requirement | None:
        return next((r for r in self.requirements if r.id == requirement_id), None)

    def locate(self, pointer: Sequence[Segment]) -> Location | None:
        return None if self._positions is None else self._positions.locate(pointer)


def load_profile(path: str | Path) -> Profile:
    """Read and check one profile file."""
    try:
        data, positions = load_document(path)
    except SpecLoadError as exc:
        raise _rebrand(exc) from None
    return _build(data, _Source(str(path), positions), Path(path))


def read_profile(text: str, display: str) -> Profile:
    """Check a profile given as YAML text; ``display`` names it in errors (it has no path)."""
    try:
        data, positions = parse_text(text, display, as_json=False)
    except SpecLoadError as exc:
        raise _rebrand(exc) from None
    return _build(data, _Source(display, positions), None)


def parse_profile(data: Any, *, where: str) -> Profile:
    """Check a profile given as data, e.g. built by a test; ``where`` names it in errors."""
    return _build(data, _Source(where, None), None)


@dataclass(frozen=True, slots=True)
class _Source:
    """Where a profile came from, to say where a problem in it is."""

    display: str
    positions: PositionIndex | None

    def error(self, pointer: Sequence[Segment], message: str) -> ProfileError:
        json_path = format_path(pointer) or None
        if self.positions is None:
            return ProfileError(message, file=self.display, json_path=json_path)
        return ProfileError.at(message, self.positions.locate(pointer), json_path)


def _build(data: Any, source: _Source, path: Path | None) -> Profile:
    # jsonschema is imported here, not above: the result model imports Level from this module,
    # and commands such as lint must start without loading a schema validator.
    from jsonschema.exceptions import best_match

    error = best_match(_schema_validator().iter_errors(data))
    if error is not None:
        pointer = tuple(error.absolute_path)
        raise source.error(pointer, f"profile is invalid: {_describe(error)}")
    profile = Profile(
        name=data["block"],
        title=data["title"],
        version=data["profile_version"],
        id_prefix=data["id_prefix"],
        sha256=canonical_sha256(data),
        requirements=tuple(_requirement(item) for item in data["requirements"]),
        exceptions=tuple(_exception(item) for item in data.get("exceptions") or ()),
        spec=data.get("spec"),
        path=path,
        _positions=source.positions,
    )
    _check_ids(profile, source)
    return profile


def _requirement(item: dict[str, Any]) -> Requirement:
    return Requirement(
        id=item["id"],
        level=Level(item["level"]),
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
    from jsonschema import Draft202012Validator

    text = files("conformance.spec").joinpath("profile.schema.json").read_text(encoding="utf-8")
    return Draft202012Validator(json.loads(text))


def _describe(error: ValidationError) -> str:
    if error.validator == "pattern":
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        expected = schema.get("description") or f"pattern {error.validator_value}"
        return f"{error.instance!r} does not have the expected form: {expected}"
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties", "unknown fields")
    return str(error.message)


def _check_ids(profile: Profile, source: _Source) -> None:
    seen: dict[str, tuple[Segment, ...]] = {}
    items: Iterable[tuple[str, tuple[Segment, ...]]] = [
        *((r.id, ("requirements", i, "id")) for i, r in enumerate(profile.requirements)),
        *((x.id, ("exceptions", i, "id")) for i, x in enumerate(profile.exceptions)),
    ]
    for item_id, pointer in items:
        if not item_id.startswith(profile.id_prefix + "-"):
            message = f"id {item_id} does not start with the id_prefix {profile.id_prefix}"
            raise source.error(pointer, message)
        if item_id in seen:
            first = profile.locate(seen[item_id])
            where = f"line {first.line}" if first else format_path(seen[item_id])
            raise source.error(pointer, f"duplicate id {item_id} (first used at {where})")
        seen[item_id] = pointer


def _rebrand(error: SpecLoadError) -> ProfileError:
    return ProfileError(
        error.message,
        file=error.file,
        line=error.line,
        column=error.column,
        json_path=error.json_path,
    )
