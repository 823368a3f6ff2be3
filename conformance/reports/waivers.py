"""Waivers: failures a certifier has agreed to accept for a while, read from a YAML file.

A waiver names a requirement (and optionally one operation), says why, and ends on a date::

    waivers:
      - requirement: GDI-MSG-012
        operation: sendMessage        # optional: an operationId or "POST /messages"
        reason: Retry schedule is being reworked; supplier ticket SUP-123.
        expires: 2026-03-31           # the last day on which the waiver holds

A waived failure stays visible in every report (as *waived*); after its expiry date the
waiver no longer holds and the failure counts again, with a note that the waiver expired.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from conformance.results import Evidence

REQUIREMENT_ID = re.compile(r"^GDI-(IDN|MSG|REG|GEN)-\d{3}$")
_KEYS = frozenset({"requirement", "operation", "reason", "expires"})


class WaiverError(Exception):
    """The waiver file cannot be used; the message says what and where."""


@dataclass(frozen=True, slots=True)
class Waiver:
    requirement: str
    reason: str
    expires: dt.date  # inclusive: the waiver holds through this day
    operation: str | None = None  # None: every operation of the requirement

    def expired(self, today: dt.date) -> bool:
        return today > self.expires

    def covers(self, evidence: Evidence) -> bool:
        """Whether this waiver is about the failure ``evidence`` (ignoring its expiry)."""
        if self.operation is None:
            return True
        return self.operation in (evidence.operation_id, evidence.operation)

    @property
    def scope(self) -> str:
        return (
            self.requirement if self.operation is None else f"{self.requirement} [{self.operation}]"
        )

    def to_dict(self) -> dict[str, str | None]:
        return {
            "requirement": self.requirement,
            "operation": self.operation,
            "reason": self.reason,
            "expires": self.expires.isoformat(),
        }


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise WaiverError(f"{where}.expires: {value!r} is not a date (write it as YYYY-MM-DD)")


def _text(item: dict[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise WaiverError(f"{where}.{key} must be a non-empty text")
    return " ".join(value.split())


def parse_waivers(data: Any, source: str) -> list[Waiver]:
    """Waivers from the parsed YAML document ``data``; ``source`` names it in messages."""
    if data is None:
        return []
    if not isinstance(data, dict) or set(data) != {"waivers"}:
        raise WaiverError(f"{source}: expected a mapping with one key, 'waivers', holding a list")
    items = data["waivers"] or []
    if not isinstance(items, list):
        raise WaiverError(f"{source}: 'waivers' must be a list")
    waivers: list[Waiver] = []
    seen: set[tuple[str, str | None]] = set()
    for index, item in enumerate(items):
        where = f"{source}: waivers[{index}]"
        if not isinstance(item, dict):
            raise WaiverError(f"{where} must be a mapping with requirement, reason and expires")
        unknown = sorted(str(key) for key in set(item) - _KEYS)
        if unknown:
            raise WaiverError(f"{where}: unknown key(s) {', '.join(unknown)}")
        requirement = _text(item, "requirement", where)
        if not REQUIREMENT_ID.match(requirement):
            raise WaiverError(f"{where}.requirement {requirement!r} is not like GDI-MSG-001")
        operation = _text(item, "operation", where) if "operation" in item else None
        if "expires" not in item:
            raise WaiverError(f"{where}.expires is missing: every waiver ends on a date")
        waiver = Waiver(
            requirement=requirement,
            reason=_text(item, "reason", where),
            expires=_date(item["expires"], where),
            operation=operation,
        )
        if (requirement, operation) in seen:
            raise WaiverError(f"{where}: {waiver.scope} is waived twice")
        seen.add((requirement, operation))
        waivers.append(waiver)
    return waivers


def load_waivers(path: Path) -> list[Waiver]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WaiverError(f"{path}: cannot read the waiver file ({exc.strerror})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise WaiverError(f"{where}: {problem}") from exc
    return parse_waivers(data, str(path))
