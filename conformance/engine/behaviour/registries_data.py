"""What the registries checks know about a register: the GDI test persons, field paths, queries.

The GDI test set-up loads every register under test with the same synthetic test persons
(``fixtures/seed/registries/persons.yaml``), so the checks know whom to expect. Facts that
never change (a test person's BSN, name, birth) are taken from that file; facts that life
events change (addresses, children) are read from the register itself by BSN first, and the
other query types are then judged against that snapshot. Persons the register holds beyond
the test persons (children declared earlier) are judged only by whether they match a query.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from conformance.client.reply import Reply
from conformance.engine.behaviour.base import CannotJudge, Disagreement, Session, expect_status
from conformance.engine.behaviour.roles import Role
from conformance.paths import seed_root

QUERY = "queryPersons"
BIRTH = "declareBirth"
MOVE = "declareMove"
BY_BSN = "RaadpleegMetBurgerservicenummer"
BY_NAME = "ZoekMetGeslachtsnaamEnGeboortedatum"
BY_ADDRESS = "ZoekMetPostcodeEnHuisnummer"
MAX_BSNS_PER_QUERY = 20
MAX_PAGE_SIZE = 100
MAX_PAGES = 50  # a result the checks page through never needs more; more is a paging defect

READER = Role("registries-reader", "gemeente-utrecht", ("registries:read",))
# Searching by name or address needs registries:search and a purpose (doelbinding) scope; the
# harness's organisation gemeente-utrecht is registered for the purpose burgerzaken.
PURPOSE = "doelbinding:burgerzaken"
SEARCHER = Role(
    "registries-searcher", "gemeente-utrecht", ("registries:read", "registries:search", PURPOSE)
)
DECLARER = Role("registries-declarer", "gemeente-utrecht", ("registries:declare",))
CLERK = Role("registries-clerk", "gemeente-utrecht", ("registries:read", "registries:declare"))


@dataclass(frozen=True, slots=True)
class TestPerson:
    bsn: str
    voornamen: str
    voorvoegsel: str | None
    geslachtsnaam: str
    geslacht: str
    geboortedatum: str
    geboorteplaats: str


@functools.cache
def test_persons() -> tuple[TestPerson, ...]:
    path = seed_root() / "registries" / "persons.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    persons = []
    for entry in document.get("persons") or ():
        naam, geboorte = entry.get("naam") or {}, entry.get("geboorte") or {}
        persons.append(
            TestPerson(
                bsn=str(entry["burgerservicenummer"]),
                voornamen=str(naam.get("voornamen", "")),
                voorvoegsel=naam.get("voorvoegsel"),
                geslachtsnaam=str(naam.get("geslachtsnaam", "")),
                geslacht=str(entry.get("geslacht", "")),
                geboortedatum=str(geboorte.get("datum", "")),
                geboorteplaats=str(geboorte.get("plaats", "")),
            )
        )
    return tuple(persons)


def field_paths(document: Mapping[str, Any]) -> list[str]:
    """The field paths the spec allows in ``fields`` (its FieldPath enum)."""
    schemas = (document.get("components") or {}).get("schemas") or {}
    enum = (schemas.get("FieldPath") or {}).get("enum") or []
    return [str(item) for item in enum]


def top_level_groups(paths: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(path.split(".", 1)[0] for path in paths))


def chunks(items: list[str], size: int = MAX_BSNS_PER_QUERY) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def asker(body: Mapping[str, Any]) -> Role:
    """Who asks a query by default: a reader looks up by BSN, a searcher with a purpose searches."""
    return READER if body.get("type") == BY_BSN else SEARCHER


def query(
    session: Session,
    body: Mapping[str, Any],
    *,
    role: Role | None = None,
    page: int | None = None,
    page_size: int | None = None,
) -> Reply:
    role = role or asker(body)
    params = {}
    if page is not None:
        params["page"] = page
    if page_size is not None:
        params["pageSize"] = page_size
    return session.call(role, "POST", "/personen", body=dict(body), query=params)


def persons_of(reply: Reply) -> list[dict[str, Any]]:
    persons = reply.member("personen")
    if not isinstance(persons, list) or not all(isinstance(item, dict) for item in persons):
        raise Disagreement(
            "Query result without a personen list",
            f"{reply.describe()} without a list of persons in `personen`.",
            reply,
            operation=QUERY,
        )
    return persons


def all_matches(
    session: Session, body: Mapping[str, Any], *, role: Role | None = None
) -> tuple[list[dict[str, Any]], Reply]:
    """Every person a query matches (all pages of the largest size); the last reply."""
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        reply = query(session, body, role=role, page=page, page_size=MAX_PAGE_SIZE)
        expect_status(reply, 200, "Valid query refused", "the query is valid", operation=QUERY)
        found += persons_of(reply)
        total_pages = reply.member("page", "totalPages")
        if not isinstance(total_pages, int) or page >= min(total_pages, MAX_PAGES):
            return found, reply
        page += 1


def by_bsn(
    session: Session, bsns: Iterable[str], fields: list[str], *, role: Role = READER
) -> dict[str, dict[str, Any]]:
    """The persons the register holds with these numbers, by number (``fields`` must hold
    ``burgerservicenummer``)."""
    held: dict[str, dict[str, Any]] = {}
    for group in chunks(list(dict.fromkeys(bsns))):
        body = {"type": BY_BSN, "burgerservicenummer": group, "fields": fields}
        persons, _ = all_matches(session, body, role=role)
        for person in persons:
            number = person.get("burgerservicenummer")
            if isinstance(number, str):
                held[number] = person
    return held


def snapshot(session: Session, fields: list[str]) -> dict[str, dict[str, Any]]:
    """The test persons as the register holds them now; ``CannotJudge`` if it holds none."""
    wanted = ["burgerservicenummer", *[item for item in fields if item != "burgerservicenummer"]]
    held = by_bsn(session, (person.bsn for person in test_persons()), wanted)
    if not held:
        raise CannotJudge(
            "the register holds none of the GDI test persons (fixtures/seed/registries), so "
            "there is nothing to compare its answers with; load them into the register under test"
        )
    return held


def fold(value: Any) -> str:
    return str(value).casefold() if value is not None else ""


def leaves(
    value: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every scalar in a JSON value with its path; an empty list or object counts as a leaf."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path, value


def field_path(path: tuple[str | int, ...]) -> str:
    """A leaf's path as a field path: list indexes dropped (``ouders.naam.voornamen``)."""
    return ".".join(str(part) for part in path if isinstance(part, str))


def is_selected(path: str, selected: Iterable[str]) -> bool:
    return any(path == item or path.startswith(item + ".") for item in selected)


def is_related(path: str, selected: Iterable[str]) -> bool:
    """A container on the way to, or inside, a selected field."""
    return any(
        path == item or path.startswith(item + ".") or item.startswith(path + ".")
        for item in selected
    )


def total_pages(total: int, size: int) -> int:
    return math.ceil(total / size)
