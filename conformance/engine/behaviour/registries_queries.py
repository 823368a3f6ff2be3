"""Behaviour of ``POST /personen``: the three query types (fields and paging: their own modules).

Every check draws its queries with Hypothesis from the test persons (so there are hits) and
from generated values (so there are misses), seeded by the run, and judges each answer
against what the register itself says about the test persons by BSN.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from conformance.client.identifiers import is_valid_bsn
from conformance.engine.behaviour.base import (
    Disagreement,
    Session,
    behaviour_check,
    disagree_if,
    expect_status,
)
from conformance.engine.behaviour.explore import explore
from conformance.engine.behaviour.registries_data import (
    BY_ADDRESS,
    BY_BSN,
    BY_NAME,
    MAX_PAGE_SIZE,
    QUERY,
    all_matches,
    fold,
    persons_of,
    query,
    snapshot,
    test_persons,
)
from conformance.engine.behaviour.roles import citizen_bsn
from conformance.engine.generation.identifiers import (
    geslachtsnamen,
    invalid_bsns,
    postcodes,
    valid_bsns,
    voornamen,
)

Person = dict[str, Any]
Query = dict[str, Any]

# ---------------------------------------------------------------------------- by BSN


@behaviour_check("bb:registries:query-by-bsn")
def query_by_bsn(session: Session) -> None:
    known = {person.bsn: person for person in test_persons()}
    snapshot(session, ["naam"])
    numbers = st.one_of(
        st.sampled_from(sorted(known)), valid_bsns(), invalid_bsns(well_formed_only=True)
    )
    fields = ["burgerservicenummer", "naam", "geboorte"]

    def scenario(asked: list[str]) -> None:
        body = {"type": BY_BSN, "burgerservicenummer": asked, "fields": fields}
        reply = query(session, body, page_size=MAX_PAGE_SIZE)
        expect_status(
            reply,
            200,
            "BSN query refused",
            "every number is well formed; one the register does not hold matches nobody",
            operation=QUERY,
        )
        returned = [person.get("burgerservicenummer") for person in persons_of(reply)]
        problems = []
        if len(set(map(str, returned))) != len(returned):
            problems.append(f"a person is listed more than once ({returned})")
        unasked = [number for number in returned if number not in asked]
        if unasked:
            problems.append(f"it returned persons nobody asked for: {unasked}")
        missing = [number for number in asked if number in known and number not in returned]
        if missing:
            problems.append(f"it left out test persons it holds: {missing}")
        invalid = [number for number in returned if not is_valid_bsn(number)]
        if invalid:
            problems.append(f"it returned numbers that fail the 11-proef: {invalid}")
        for person in persons_of(reply):
            expected = known.get(str(person.get("burgerservicenummer")))
            naam = person.get("naam") or {}
            if expected and (
                naam.get("geslachtsnaam") != expected.geslachtsnaam
                or (person.get("geboorte") or {}).get("datum") != expected.geboortedatum
            ):
                problems.append(f"{expected.bsn} comes back with another name or date of birth")
        disagree_if(
            problems,
            "A BSN query does not return exactly the persons asked for",
            f"Asked for {asked}",
            reply,
            operation=QUERY,
        )
        session.findings.passed(QUERY, reply)

    everyone = sorted(known)
    cases = [
        everyone[:20],
        [everyone[0], "123456789", everyone[-1]],  # 123456789 fails the 11-proef
        [*everyone[1:3], citizen_bsn(session.seed, 500)],  # a valid number nobody has
    ]
    strategy = st.lists(numbers, min_size=1, max_size=20, unique=True)
    explore(session, strategy, scenario, cases=cases)


# ---------------------------------------------------------------------------- by name


def matches_name(person: Person, wanted: Query) -> bool:
    naam = person.get("naam") or {}
    if fold(naam.get("geslachtsnaam")) != fold(wanted["geslachtsnaam"]):
        return False
    if (person.get("geboorte") or {}).get("datum") != wanted["geboortedatum"]:
        return False
    for member in ("voornamen", "voorvoegsel"):
        if member in wanted and fold(naam.get(member)) != fold(wanted[member]):
            return False
    return not (
        "geslacht" in wanted and (person.get("geslacht") or {}).get("code") != wanted["geslacht"]
    )


_CASES: list[Callable[[str], str]] = [str, str.upper, str.lower]


def _next_day(date: str) -> str:
    return (dt.date.fromisoformat(date) + dt.timedelta(days=1)).isoformat()


@st.composite
def name_queries(draw: st.DrawFn, persons: list[Person]) -> Query:
    if draw(st.integers(0, 4)) == 0:  # a name the test persons do not have
        date = draw(st.dates(dt.date(1930, 1, 1), dt.date(2020, 12, 31))).isoformat()
        return {"type": BY_NAME, "geslachtsnaam": draw(geslachtsnamen()), "geboortedatum": date}
    person = draw(st.sampled_from(persons))
    naam = person.get("naam") or {}
    date = str((person.get("geboorte") or {}).get("datum"))
    wanted: Query = {
        "type": BY_NAME,
        "geslachtsnaam": draw(st.sampled_from(_CASES))(str(naam.get("geslachtsnaam"))),
        "geboortedatum": draw(st.sampled_from([date, date, _next_day(date)])),
    }
    choice = draw(st.integers(0, 3))
    if choice == 1 and naam.get("voornamen"):
        wanted["voornamen"] = draw(st.sampled_from(_CASES))(str(naam["voornamen"]))
    elif choice == 2:
        wanted["voornamen"] = draw(voornamen())
    choice = draw(st.integers(0, 2))
    if choice == 1 and naam.get("voorvoegsel"):
        wanted["voorvoegsel"] = str(naam["voorvoegsel"])
    elif choice == 2:
        wanted["voorvoegsel"] = draw(st.sampled_from(["van", "de", "van der", "ter"]))
    if draw(st.booleans()):
        wanted["geslacht"] = draw(st.sampled_from(["M", "V", "O"]))
    return wanted


def telling_names(persons: list[Person]) -> list[Query]:
    """Each way a name search narrows, on a person with namesakes born the same day."""

    def key(person: Person) -> tuple[str, Any]:
        return (fold((person.get("naam") or {}).get("geslachtsnaam")), person.get("geboorte"))

    person = max(persons, key=lambda item: sum(key(other) == key(item) for other in persons))
    naam = person.get("naam") or {}
    exact: Query = {
        "type": BY_NAME,
        "geslachtsnaam": str(naam.get("geslachtsnaam")),
        "geboortedatum": str((person.get("geboorte") or {}).get("datum")),
    }
    code = (person.get("geslacht") or {}).get("code")
    return [
        exact,
        {**exact, "geslachtsnaam": exact["geslachtsnaam"].upper()},
        {**exact, "voornamen": str(naam.get("voornamen", "")).lower() or "X"},
        {**exact, "voornamen": "Xanthippe"},
        {**exact, "geslacht": "O" if code != "O" else "M"},
        {**exact, "voorvoegsel": "ter"},
        {**exact, "geboortedatum": _next_day(exact["geboortedatum"])},
    ]


def judge_search(
    session: Session,
    wanted: Query,
    fields: list[str],
    expected: set[str],
    matches: Callable[[Person, Query], bool],
) -> None:
    body = {**wanted, "fields": fields}
    found, reply = all_matches(session, body)
    returned = {str(person.get("burgerservicenummer")) for person in found}
    wrong = [
        str(person.get("burgerservicenummer")) for person in found if not matches(person, wanted)
    ]
    missing = sorted(expected - returned)
    if wrong or missing:
        parts = []
        if wrong:
            parts.append(f"it returned persons that do not match: {wrong}")
        if missing:
            parts.append(f"it left out persons that match: {missing}")
        criteria = {key: value for key, value in wanted.items() if key != "type"}
        raise Disagreement(
            f"A {wanted['type']} query does not return exactly the matching persons",
            f"Query {criteria}: " + "; ".join(parts) + ".",
            reply,
            operation=QUERY,
        )
    session.findings.passed(QUERY, reply)


@behaviour_check("bb:registries:query-by-name-and-birthdate")
def query_by_name(session: Session) -> None:
    fields = ["burgerservicenummer", "naam", "geboorte", "geslacht"]
    held = snapshot(session, fields)
    persons = list(held.values())

    def scenario(wanted: Query) -> None:
        expected = {bsn for bsn, person in held.items() if matches_name(person, wanted)}
        judge_search(session, wanted, fields, expected, matches_name)

    explore(session, name_queries(persons), scenario, cases=telling_names(persons))


# ---------------------------------------------------------------------------- by address


def matches_address(person: Person, wanted: Query) -> bool:
    address = person.get("verblijfplaats") or {}
    if address.get("postcode") != wanted["postcode"]:
        return False
    if address.get("huisnummer") != wanted["huisnummer"]:
        return False
    return all(
        fold(address.get(member)) == fold(wanted[member])
        for member in ("huisletter", "huisnummertoevoeging")
        if member in wanted
    )


@st.composite
def address_queries(draw: st.DrawFn, persons: list[Person]) -> Query:
    person = draw(st.sampled_from(persons))
    address = person.get("verblijfplaats") or {}
    number = int(address.get("huisnummer") or 1)
    wanted: Query = {
        "type": BY_ADDRESS,
        "postcode": draw(st.one_of(st.just(address.get("postcode")), postcodes())),
        "huisnummer": draw(st.sampled_from([number, number, number + 1])),
    }
    for member, other in (("huisletter", "Q"), ("huisnummertoevoeging", "zz9")):
        choice = draw(st.integers(0, 2))
        if choice == 1 and address.get(member):
            wanted[member] = draw(st.sampled_from(_CASES))(str(address[member]))
        elif choice == 2:
            wanted[member] = other
    return wanted


def telling_addresses(persons: list[Person]) -> list[Query]:
    """Each way an address search narrows, at addresses with a huisletter or toevoeging."""
    cases: list[Query] = []
    for member, other in (("huisletter", "Q"), ("huisnummertoevoeging", "zz9")):
        person = next(
            (item for item in persons if (item.get("verblijfplaats") or {}).get(member)), None
        )
        if person is None:
            continue
        address = person["verblijfplaats"]
        exact: Query = {
            "type": BY_ADDRESS,
            "postcode": address.get("postcode"),
            "huisnummer": address.get("huisnummer"),
        }
        cases += [
            exact,
            {**exact, member: str(address[member]).lower()},
            {**exact, member: other},
            {**exact, "huisnummer": int(address.get("huisnummer") or 0) + 1},
        ]
    return cases


@behaviour_check("bb:registries:query-by-address")
def query_by_address(session: Session) -> None:
    fields = ["burgerservicenummer", "verblijfplaats"]
    held = snapshot(session, fields)
    persons = [person for person in held.values() if person.get("verblijfplaats")]

    def scenario(wanted: Query) -> None:
        expected = {bsn for bsn, person in held.items() if matches_address(person, wanted)}
        judge_search(session, wanted, fields, expected, matches_address)

    explore(session, address_queries(persons), scenario, cases=telling_addresses(persons))
