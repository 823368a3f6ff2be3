"""Behaviour of birth declarations, as the next query sees them (moves: registries_moves).

A declared birth must be findable at once under a new valid BSN, linked to its parents and
living with its mother; births declared at the same moment must all get distinct numbers. Every
declaration the checks make concerns a child they declared themselves, so the test persons keep
their addresses and a run can be repeated against the same register.
"""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from hypothesis import strategies as st

from conformance.client.identifiers import is_valid_bsn
from conformance.client.reply import Reply
from conformance.engine.behaviour.base import (
    CannotJudge,
    Disagreement,
    Session,
    behaviour_check,
    expect_status,
)
from conformance.engine.behaviour.explore import explore
from conformance.engine.behaviour.registries_data import (
    BIRTH,
    BY_BSN,
    DECLARER,
    QUERY,
    all_matches,
    persons_of,
    query,
    snapshot,
    test_persons,
)
from conformance.engine.generation.identifiers import geslachtsnamen, voornamen

Body = dict[str, Any]
ADDRESS_MEMBERS = (
    "straat",
    "huisnummer",
    "huisletter",
    "huisnummertoevoeging",
    "postcode",
    "woonplaats",
)
PLACES = ("Utrecht", "Amersfoort", "Zeist", "Houten", "Nieuwegein")
PARENT_FIELDS = ["burgerservicenummer", "geslacht", "geboorte", "verblijfplaats"]
MIN_AGE = dt.timedelta(days=16 * 366)
CONCURRENT_BIRTHS = 6
GET_BIRTH = "getBirthDeclaration"
GET_MOVE = "getMoveDeclaration"


def today() -> dt.date:
    # The register's "today" may be a day ahead of UTC (Dutch time): keep a day's margin.
    return dt.datetime.now(dt.UTC).date()


def address_of(value: Any) -> dict[str, Any]:
    value = value if isinstance(value, dict) else {}
    return {name: value[name] for name in ADDRESS_MEMBERS if value.get(name) is not None}


class Parents:
    """The test persons who can be parents in a declaration (read from the register)."""

    def __init__(self, session: Session) -> None:
        held = snapshot(session, PARENT_FIELDS)
        latest = (today() - dt.timedelta(days=60)).isoformat()
        self.mothers = [
            person
            for person in held.values()
            if (person.get("geslacht") or {}).get("code") == "V"
            and (person.get("verblijfplaats") or {}).get("datumAanvangAdreshouding", "9") <= latest
            and _born(person) + MIN_AGE < today() - dt.timedelta(days=60)
        ]
        self.others = [
            person
            for person in held.values()
            if (person.get("geslacht") or {}).get("code") == "M"
            and _born(person) + MIN_AGE < today() - dt.timedelta(days=60)
        ]
        if not self.mothers or not self.others:
            raise CannotJudge(
                "the register holds no adult test person to be a mother (with an address that "
                "began 60 days ago or earlier) or another parent"
            )


def _born(person: dict[str, Any]) -> dt.date:
    return dt.date.fromisoformat(str((person.get("geboorte") or {}).get("datum") or "2000-01-01"))


@st.composite
def births(draw: st.DrawFn, parents: Parents, *, other_parent: bool | None = None) -> Body:
    mother = draw(st.sampled_from(parents.mothers))
    with_other = draw(st.booleans()) if other_parent is None else other_parent
    other = draw(st.sampled_from(parents.others)) if with_other else None
    latest = today() - dt.timedelta(days=30)
    oldest_parent = max(_born(mother), _born(other) if other else _born(mother))
    earliest = min(oldest_parent + MIN_AGE, latest)
    body: Body = {
        "naam": {"voornamen": draw(voornamen()), "geslachtsnaam": draw(geslachtsnamen())},
        "geslacht": draw(st.sampled_from(["M", "V", "O"])),
        "geboorte": {
            "datum": draw(st.dates(earliest, latest)).isoformat(),
            "plaats": draw(st.sampled_from(PLACES)),
        },
        "moeder": {"burgerservicenummer": mother["burgerservicenummer"]},
    }
    if other is not None:
        body["andereOuder"] = {"burgerservicenummer": other["burgerservicenummer"]}
    return body


def declare(session: Session, path: str, body: Body, role: Any = DECLARER) -> Reply:
    return session.call(role, "POST", path, body=body)


def declared_child(session: Session, body: Body) -> tuple[str, Reply]:
    """Declare a birth that must succeed; its new BSN and the reply."""
    reply = declare(session, "/geboorteaangiften", body)
    expect_status(
        reply, 201, "Valid birth declaration refused", "the declaration is valid", operation=BIRTH
    )
    bsn = reply.member("burgerservicenummer")
    if not isinstance(bsn, str):
        raise Disagreement(
            "No burgerservicenummer for the child",
            f"{reply.describe()} without a burgerservicenummer in the body.",
            reply,
            operation=BIRTH,
        )
    return bsn, reply


def one_person(
    session: Session, bsn: str, fields: list[str], operation: str
) -> tuple[dict[str, Any], Reply]:
    reply = query(session, {"type": BY_BSN, "burgerservicenummer": [bsn], "fields": fields})
    expect_status(reply, 200, "Query refused", "the query is valid", operation=QUERY)
    persons = persons_of(reply)
    if len(persons) != 1:
        raise Disagreement(
            "A declared person is not found by the next query",
            f"{reply.describe()} with {len(persons)} persons for {bsn}, right after the "
            "declaration.",
            reply,
            operation=operation,
        )
    return persons[0], reply


# ---------------------------------------------------------------------------- births


@behaviour_check("bb:registries:birth-creates-person")
def birth_creates_person(session: Session) -> None:
    parents = Parents(session)
    taken = {person.bsn for person in test_persons()}

    def scenario(body: Body) -> None:
        bsn, reply = declared_child(session, body)
        if not is_valid_bsn(bsn) or bsn in taken:
            why = "fails the 11-proef" if not is_valid_bsn(bsn) else "was already in use"
            raise Disagreement(
                "The new burgerservicenummer is not a new valid one",
                f"{reply.describe()} with burgerservicenummer {bsn}, which {why}.",
                reply,
                operation=BIRTH,
            )
        taken.add(bsn)
        _check_location(session, reply, bsn)
        child, found = one_person(
            session, bsn, ["burgerservicenummer", "naam", "geboorte", "geslacht"], BIRTH
        )
        naam = child.get("naam") or {}
        declared = (
            body["naam"]["voornamen"],
            body["naam"]["geslachtsnaam"],
            body["geboorte"]["datum"],
            body["geslacht"],
        )
        held = (
            naam.get("voornamen"),
            naam.get("geslachtsnaam"),
            (child.get("geboorte") or {}).get("datum"),
            (child.get("geslacht") or {}).get("code"),
        )
        if held != declared:
            raise Disagreement(
                "The registered child is not the declared one",
                f"{bsn} is registered as {held}, declared as {declared}.",
                found,
                operation=BIRTH,
            )
        session.findings.passed(BIRTH, found)

    explore(session, births(parents), scenario, examples=min(3, session.settings.examples))


def _check_location(session: Session, reply: Reply, bsn: str) -> None:
    """The declaration's Location reads back the same declaration, for the same child."""
    location = reply.header("location")
    if not location:
        raise Disagreement(
            "No Location for the declaration",
            f"{reply.describe()} without a Location header.",
            reply,
            operation=BIRTH,
        )
    read = session.call(DECLARER, "GET", session.resolve(location))
    expect_status(
        read,
        200,
        "The declaration's Location cannot be read",
        "its maker reads it at once",
        operation=GET_BIRTH,
    )
    if (
        read.member("aangifteId") != reply.member("aangifteId")
        or read.member("burgerservicenummer") != bsn
    ):
        raise Disagreement(
            "The Location shows another declaration",
            f"{read.describe()} with another aangifteId or burgerservicenummer than the 201.",
            read,
            operation=GET_BIRTH,
        )


@behaviour_check("bb:registries:birth-links-parents")
def birth_links_parents(session: Session) -> None:
    parents = Parents(session)

    def scenario(body: Body) -> None:
        bsn, _ = declared_child(session, body)
        expected = {(body["moeder"]["burgerservicenummer"], "1")}
        if "andereOuder" in body:
            expected.add((body["andereOuder"]["burgerservicenummer"], "2"))
        child, found = one_person(
            session, bsn, ["burgerservicenummer", "ouders", "verblijfplaats"], BIRTH
        )
        listed = {
            (item.get("burgerservicenummer"), item.get("ouderAanduiding"))
            for item in child.get("ouders") or []
            if isinstance(item, dict)
        }
        if listed != expected:
            raise Disagreement(
                "The child does not list exactly its parents",
                f"{bsn} lists ouders {sorted(listed)}, expected {sorted(expected)} "
                "(bsn, ouderAanduiding).",
                found,
                operation=BIRTH,
            )
        for parent, _ in sorted(expected):
            person, reply = one_person(
                session, parent, ["burgerservicenummer", "kinderen", "verblijfplaats"], BIRTH
            )
            children = [
                item.get("burgerservicenummer")
                for item in person.get("kinderen") or []
                if isinstance(item, dict)
            ]
            if bsn not in children:
                raise Disagreement(
                    "A parent does not list the child",
                    f"Parent {parent} lists kinderen {children}, without the new child {bsn}.",
                    reply,
                    operation=BIRTH,
                )
            home = address_of(child.get("verblijfplaats"))
            mothers = address_of(person.get("verblijfplaats"))
            if parent == body["moeder"]["burgerservicenummer"] and home != mothers:
                raise Disagreement(
                    "The child does not live at the mother's address",
                    f"Child {bsn} lives at {home}, its mother at {mothers}.",
                    found,
                    operation=BIRTH,
                )
        session.findings.passed(BIRTH, found)

    strategy = births(parents, other_parent=True)
    explore(session, strategy, scenario, examples=min(3, session.settings.examples))


def _twin_births(parents: Parents, *, marker: str) -> list[Body]:
    """CONCURRENT_BIRTHS births of one mother on one day, named apart by a letter."""
    mother = parents.mothers[0]
    start = dt.date.fromisoformat(str(mother["geboorte"]["datum"])) + MIN_AGE
    return [
        {
            "naam": {
                "voornamen": f"Tweeling {chr(65 + index)}",
                "geslachtsnaam": f"Gelijktijdig-{marker}",
            },
            "geslacht": "O",
            "geboorte": {"datum": start.isoformat(), "plaats": "Utrecht"},
            "moeder": {"burgerservicenummer": mother["burgerservicenummer"]},
        }
        for index in range(CONCURRENT_BIRTHS)
    ]


@behaviour_check("bb:registries:concurrent-births")
def concurrent_births(session: Session) -> None:
    bodies = _twin_births(Parents(session), marker=session.token_id()[:6])
    session.roles.headers(DECLARER)  # fetch the token once, before the race
    barrier = threading.Barrier(CONCURRENT_BIRTHS)

    def one(body: Body) -> Reply:
        barrier.wait(timeout=30)
        return declare(session, "/geboorteaangiften", body)

    with ThreadPoolExecutor(max_workers=CONCURRENT_BIRTHS) as pool:
        replies = list(pool.map(one, bodies))
    for reply in replies:
        expect_status(
            reply,
            201,
            "A concurrent birth declaration failed",
            "each declaration is valid on its own",
            operation=BIRTH,
        )
    numbers = [str(reply.member("burgerservicenummer")) for reply in replies]
    if len(set(numbers)) != len(numbers) or not all(is_valid_bsn(number) for number in numbers):
        raise Disagreement(
            "Concurrent births did not get distinct valid numbers",
            f"{CONCURRENT_BIRTHS} births declared at once got {numbers}.",
            replies[-1],
            operation=BIRTH,
        )
    body = {
        "type": BY_BSN,
        "burgerservicenummer": numbers,
        "fields": ["burgerservicenummer", "naam"],
    }
    found, reply = all_matches(session, body)
    names = {
        person.get("burgerservicenummer"): (person.get("naam") or {}).get("voornamen")
        for person in found
    }
    expected = {
        number: body_["naam"]["voornamen"] for number, body_ in zip(numbers, bodies, strict=True)
    }
    if names != expected:
        raise Disagreement(
            "A concurrent birth was lost",
            f"The register holds {names} for the numbers it gave out, expected {expected}.",
            reply,
            operation=BIRTH,
        )
    session.findings.passed(BIRTH, reply)
