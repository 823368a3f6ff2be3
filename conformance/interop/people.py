"""The synthetic people of the life-event scenarios, taken from the harness's seed data.

The registries block under test must hold the GDI test persons (``registries/persons.yaml`` of
the seed data; the reference block starts with them). The scenarios use them as parents and
as residents who move; the run's seed decides which, so a seed repeats a run's choices.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from conformance.paths import seed_root

ADULT_YEARS = 18


class PeopleError(Exception):
    """The seed persons cannot be read; the message says why."""


@dataclass(frozen=True, slots=True)
class Person:
    bsn: str
    voornamen: str
    geslachtsnaam: str
    born: str  # ISO date
    has_address: bool
    mother_of: tuple[str, ...] = ()  # other parents of this person's children ("1" = mother)


def dutch_today() -> dt.date:
    """Today in the Netherlands, where the registers keep their dates."""
    try:
        zone: dt.tzinfo = ZoneInfo("Europe/Amsterdam")
    except ZoneInfoNotFoundError:
        zone = dt.UTC
    return dt.datetime.now(zone).date()


def load_persons(path: Path | None = None) -> list[Person]:
    path = path or seed_root() / "registries" / "persons.yaml"
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PeopleError(f"cannot read the test persons in {path}: {exc}") from exc
    entries = document.get("persons") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise PeopleError(f"{path}: expected a mapping with a 'persons' list")
    partners: dict[str, set[str]] = {}
    for entry in entries:
        parents = {
            item["ouderAanduiding"]: item["burgerservicenummer"]
            for item in entry.get("ouders") or ()
        }
        if "1" in parents and "2" in parents:
            partners.setdefault(parents["1"], set()).add(parents["2"])
    return [
        Person(
            bsn=str(entry["burgerservicenummer"]),
            voornamen=str(entry["naam"].get("voornamen", "")),
            geslachtsnaam=str(entry["naam"].get("geslachtsnaam", "")),
            born=str(entry["geboorte"]["datum"]),
            has_address=bool(entry.get("verblijfplaatsen")),
            mother_of=tuple(sorted(partners.get(str(entry["burgerservicenummer"]), ()))),
        )
        for entry in entries
    ]


def couples(persons: list[Person]) -> list[tuple[Person, Person]]:
    """(mother, other parent) pairs who have a child together and where the mother has an
    address, so that a newborn can be registered at it."""
    by_bsn = {person.bsn: person for person in persons}
    return [
        (mother, by_bsn[other])
        for mother in persons
        if mother.has_address
        for other in mother.mother_of
        if other in by_bsn
    ]


def adults(persons: list[Person], on: dt.date) -> list[Person]:
    """Persons with an address who are of age on ``on``."""
    # 366 days a year errs on the safe side of leap years (and never fails on 29 February).
    limit = (on - dt.timedelta(days=366 * ADULT_YEARS)).isoformat()
    return [person for person in persons if person.has_address and person.born <= limit]
