"""Behaviour of ``POST /personen``: the three query types, field selection and paging.

Every check draws its queries with Hypothesis from the test persons (so there are hits) and
from generated values (so there are misses), seeded by the run, and judges each answer
against what the register itself says about the test persons by BSN.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hypothesis import strategies as st

from conformance.client.identifiers import is_valid_bsn
from conformance.client.reply import Reply
from conformance.engine.behaviour.base import Disagreement, Session, behaviour_check, expect_status
from conformance.engine.behaviour.explore import explore
from conformance.engine.behaviour.registries_data import (
    BY_ADDRESS,
    BY_BSN,
    BY_NAME,
    MAX_PAGE_SIZE,
    MAX_PAGES,
    QUERY,
    all_matches,
    field_path,
    field_paths,
    fold,
    is_related,
    is_selected,
    leaves,
    persons_of,
    query,
    snapshot,
    test_persons,
    top_level_groups,
    total_pages,
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
        if problems:
            raise Disagreement(
                "A BSN query does not return exactly the persons asked for",
                f"Asked for {asked}: " + "; ".join(problems) + ".",
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


# ---------------------------------------------------------------------------- fields


def selection_problems(full: Person, returned: Person, selected: list[str]) -> list[str]:
    problems = []
    full_leaves = dict(leaves(full))
    got = dict(leaves(returned))
    for path, value in got.items():
        if not path:  # an empty person: none of the selected fields is held for them
            continue
        name = field_path(path)
        empty = value == [] or value == {}
        if (empty and not is_related(name, selected)) or (
            not empty and not is_selected(name, selected)
        ):
            problems.append(f"{name} came back but was not asked for")
        elif not empty and full_leaves.get(path) != value:
            problems.append(f"{name} differs from the same person queried with every field")
    for path, value in full_leaves.items():
        name = field_path(path)
        if value not in ([], {}) and is_selected(name, selected) and path not in got:
            problems.append(f"{name} was asked for and is held, but did not come back")
    return sorted(set(problems))


@behaviour_check("bb:registries:fields-selection")
def fields_selection(session: Session) -> None:
    paths = field_paths(session.ctx.document)
    groups = top_level_groups(paths)
    full = snapshot(session, groups)

    def scenario(drawn: tuple[list[str], str]) -> None:
        selected, bsn = drawn
        body = {"type": BY_BSN, "burgerservicenummer": [bsn], "fields": selected}
        reply = query(session, body)
        expect_status(
            reply,
            200,
            "Field selection refused",
            "every path is a known field path",
            operation=QUERY,
        )
        persons = persons_of(reply)
        if len(persons) != 1:
            raise Disagreement(
                "A BSN query with a field selection does not return the one person",
                f"{reply.describe()} with {len(persons)} persons for one held BSN.",
                reply,
                operation=QUERY,
            )
        problems = selection_problems(full[bsn], persons[0], selected)
        if problems:
            raise Disagreement(
                "The answer does not hold exactly the selected fields",
                f"fields={selected} for {bsn}: " + "; ".join(problems) + ".",
                reply,
                operation=QUERY,
            )
        session.findings.passed(QUERY, reply)

    strategy = st.tuples(
        st.lists(st.sampled_from(paths), min_size=1, max_size=6, unique=True),
        st.sampled_from(sorted(full)),
    )
    parent = next((bsn for bsn, person in full.items() if person.get("kinderen")), sorted(full)[0])
    telling = [["naam.voornamen"], ["geslacht.code"], ["verblijfplaatsHistorie"], ["kinderen.naam"]]
    cases = [(selected, parent) for selected in telling if set(selected) <= set(paths)]
    explore(session, strategy, scenario, cases=cases)


_NEAR_MISSES = [
    "naam.bijnaam",
    "Naam",
    "naam.",
    ".naam",
    "naam..voornamen",
    "burgerservicenummer.nummer",
    "verblijfplaats.huisnummer.x",
    "kinderen.kinderen",
    "*",
    "naam.geslachtsnaam ",
    "bsn",
]


def _names_the_entry(problem: Any, index: int | None) -> bool:
    params = problem.get("invalidParams") if isinstance(problem, dict) else None
    if not isinstance(params, list):
        return False
    accepted = {"fields", "/fields", "body.fields"}
    if index is not None:
        accepted = {f"fields[{index}]", f"fields.{index}", f"fields/{index}", f"/fields/{index}"}
    return any(isinstance(item, dict) and item.get("name") in accepted for item in params)


@behaviour_check("bb:registries:unknown-field-400")
def unknown_field_400(session: Session) -> None:
    paths = field_paths(session.ctx.document)
    person = test_persons()[0]
    criteria: list[Query] = [
        {"type": BY_BSN, "burgerservicenummer": [person.bsn]},
        {
            "type": BY_NAME,
            "geslachtsnaam": person.geslachtsnaam,
            "geboortedatum": person.geboortedatum,
        },
        {"type": BY_ADDRESS, "postcode": "3511AB", "huisnummer": 12},
    ]
    unknown = st.one_of(
        st.sampled_from(_NEAR_MISSES),
        st.from_regex(r"[a-zA-Z.]{1,30}", fullmatch=True).filter(lambda text: text not in paths),
    )
    invalid_fields: st.SearchStrategy[tuple[list[str] | None, int | None]] = st.one_of(
        st.tuples(
            st.lists(st.sampled_from(paths), max_size=4, unique=True), unknown, st.integers(0, 4)
        ).map(lambda drawn: _with_unknown(*drawn)),
        st.just((None, None)),  # no fields at all
        st.just(([], None)),  # an empty selection
    )

    def scenario(drawn: tuple[Query, tuple[list[str] | None, int | None]]) -> None:
        base, (fields, index) = drawn
        body = dict(base)
        if fields is not None:
            body["fields"] = fields
        reply = query(session, body)
        what = "no fields" if fields is None else f"fields={fields}"
        expect_status(
            reply,
            400,
            "Invalid field selection accepted",
            f"{what} is invalid input",
            operation=QUERY,
        )
        if reply.media_type != "application/problem+json" or not _names_the_entry(
            reply.json(), index
        ):
            at = "fields" if index is None else f"fields[{index}]"
            raise Disagreement(
                "The 400 does not name the offending fields entry",
                f"{reply.describe()} for {what}, but no invalidParams entry names {at}.",
                reply,
                operation=QUERY,
            )
        session.findings.passed(QUERY, reply)

    cases: list[tuple[Query, tuple[list[str] | None, int | None]]] = [
        (criteria[0], (None, None)),
        (criteria[1], ([], None)),
        (criteria[2], (["naam", "naam.bijnaam"], 1)),
        (criteria[0], (["bsn"], 0)),
    ]
    strategy = st.tuples(st.sampled_from(criteria), invalid_fields)
    explore(session, strategy, scenario, cases=cases)


def _with_unknown(known: list[str], entry: str, index: int) -> tuple[list[str], int]:
    position = min(index, len(known))
    return [*known[:position], entry, *known[position:]], position


# ---------------------------------------------------------------------------- paging


def _page_of(href: Any) -> tuple[int | None, int | None]:
    if not isinstance(href, str):
        return None, None
    values = parse_qs(urlsplit(href).query)

    def number(name: str) -> int | None:
        items = values.get(name) or []
        return int(items[0]) if items and items[0].isdigit() else None

    return number("page"), number("pageSize")


def link_problems(reply: Reply, page: int, size: int, pages: int) -> list[str]:
    links = reply.member("_links")
    if not isinstance(links, dict):
        return ["_links is missing"]
    expected: dict[str, int | None] = {
        "self": page,
        "first": 1,
        "last": max(pages, 1),
        "prev": page - 1 if 1 < page <= pages else None,
        "next": page + 1 if page < pages else None,
    }
    problems = []
    for name, target in expected.items():
        link = links.get(name)
        if target is None:
            if link is not None and name == "next":
                problems.append("a next link on the last page")
            continue
        if not isinstance(link, dict):
            problems.append(f"no {name} link")
        elif _page_of(link.get("href")) != (target, size):
            problems.append(
                f"the {name} link {link.get('href')!r} is not page {target} of size {size}"
            )
    return problems


def page_problems(reply: Reply, page: int, size: int, total: int) -> list[str]:
    meta = reply.member("page")
    if not isinstance(meta, dict):
        return ["page metadata is missing"]
    pages = total_pages(total, size)
    problems = []
    for name, value in (
        ("number", page),
        ("size", size),
        ("totalElements", total),
        ("totalPages", pages),
    ):
        if meta.get(name) != value:
            problems.append(f"page.{name} is {meta.get(name)!r}, expected {value}")
    count = len(persons_of(reply))
    wanted = max(min(size, total - (page - 1) * size), 0)
    if count != wanted:
        problems.append(f"page {page} holds {count} persons, expected {wanted}")
    return problems + link_problems(reply, page, size, pages)


@behaviour_check("bb:registries:pagination")
def pagination(session: Session) -> None:
    held = snapshot(session, ["verblijfplaats"])
    numbers = sorted(held)[:20]
    by_address: dict[tuple[Any, Any], int] = {}
    for person in held.values():
        address = person.get("verblijfplaats") or {}
        key = (address.get("postcode"), address.get("huisnummer"))
        by_address[key] = by_address.get(key, 0) + 1
    (postcode, number), _ = max(by_address.items(), key=lambda item: item[1])
    bodies: list[Query] = [
        {"type": BY_BSN, "burgerservicenummer": numbers, "fields": ["burgerservicenummer"]},
        {
            "type": BY_ADDRESS,
            "postcode": postcode,
            "huisnummer": number,
            "fields": ["burgerservicenummer"],
        },
    ]
    for page, size in ((0, None), (None, 0), (None, MAX_PAGE_SIZE + 1)):
        reply = query(session, bodies[0], page=page, page_size=size)
        given = f"page={page}" if page is not None else f"pageSize={size}"
        expect_status(
            reply, 400, "Out-of-range paging accepted", f"{given} is out of range", operation=QUERY
        )
        session.findings.passed(QUERY, reply)

    def scenario(drawn: tuple[Query, int]) -> None:
        body, size = drawn
        reference, large = all_matches(session, body)
        order = [str(person.get("burgerservicenummer")) for person in reference]
        if order != sorted(order):
            raise Disagreement(
                "Results not in the documented order",
                f"{body['type']}: not ordered by burgerservicenummer ascending: {order}.",
                large,
                operation=QUERY,
            )
        seen: list[str] = []
        pages = total_pages(len(order), size)
        for page in range(1, min(pages, MAX_PAGES) + 2):  # one past the last: an empty page
            reply = query(session, body, page=page, page_size=size)
            expect_status(
                reply,
                200,
                "A page was refused",
                f"page {page} of size {size} is in range",
                operation=QUERY,
            )
            problems = page_problems(reply, page, size, len(order))
            if problems:
                raise Disagreement(
                    "Page metadata or content does not add up",
                    f"{body['type']} with pageSize={size}, page {page}: "
                    + "; ".join(problems)
                    + ".",
                    reply,
                    operation=QUERY,
                )
            seen += [str(person.get("burgerservicenummer")) for person in persons_of(reply)]
        if seen != order:
            raise Disagreement(
                "The pages together do not hold every match exactly once, in order",
                f"pageSize={size}: pages gave {seen}, one large page gave {order}.",
                reply,
                operation=QUERY,
            )
        again = query(session, body, page=1, page_size=size)
        first = [str(person.get("burgerservicenummer")) for person in persons_of(again)]
        if first != order[:size]:
            raise Disagreement(
                "The order is not stable",
                f"Page 1 of size {size} gave {first} when asked again, before {order[:size]}.",
                again,
                operation=QUERY,
            )
        session.findings.passed(QUERY, again)

    cases = [(body, size) for body in bodies for size in (1, 3)]
    explore(session, st.tuples(st.sampled_from(bodies), st.integers(1, 25)), scenario, cases=cases)
