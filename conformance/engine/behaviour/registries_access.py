"""Declarations that must be refused, scopes that decide who may do what, and URIs without BSNs.

Each case is judged on its own (one failing case does not hide the others) and, where the
requirement says a refusal changes nothing, the register is read before and after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote

from conformance.client.reply import Reply
from conformance.engine.behaviour.base import (
    CannotJudge,
    Disagreement,
    Session,
    behaviour_check,
    expect_status,
)
from conformance.engine.behaviour.registries_data import (
    BIRTH,
    BY_BSN,
    DECLARER,
    MOVE,
    QUERY,
    READER,
    by_bsn,
    query,
)
from conformance.engine.behaviour.registries_events import (
    GET_BIRTH,
    GET_MOVE,
    Parents,
    declare,
    declared_child,
    today,
)
from conformance.engine.behaviour.roles import citizen_bsn

Body = dict[str, Any]


def _birth(mother: str, *, other: str | None = None, born: str = "2015-05-05") -> Body:
    body: Body = {
        "naam": {"voornamen": "Proef", "geslachtsnaam": "Afwijzing"},
        "geslacht": "O",
        "geboorte": {"datum": born, "plaats": "Utrecht"},
        "moeder": {"burgerservicenummer": mother},
    }
    if other is not None:
        body["andereOuder"] = {"burgerservicenummer": other}
    return body


def _move(bsn: str, starts: str) -> Body:
    return {
        "burgerservicenummer": bsn,
        "verblijfplaats": {
            "straat": "Weigerstraat",
            "huisnummer": 9,
            "postcode": "3512AB",
            "woonplaats": "Utrecht",
            "datumAanvangAdreshouding": starts,
        },
    }


def unknown_bsn(session: Session) -> str:
    """A valid BSN the register does not hold."""
    for attempt in range(8):
        candidate = citizen_bsn(session.seed, 1000 + attempt)
        if not by_bsn(session, [candidate], ["burgerservicenummer"]):
            return candidate
    raise CannotJudge("every valid BSN tried is held by the register")


def _state(session: Session, bsn: str) -> Any:
    held = by_bsn(
        session,
        [bsn],
        ["burgerservicenummer", "kinderen", "verblijfplaats", "verblijfplaatsHistorie"],
    )
    return held.get(bsn)


def judge_refusal(
    session: Session,
    name: str,
    send: Callable[[], Reply],
    expected: int,
    watched: list[str],
    operation: str,
) -> None:
    """Send a declaration that must be refused with ``expected`` and change none of ``watched``."""
    before = [_state(session, bsn) for bsn in watched]
    reply = send()
    try:
        expect_status(
            reply,
            expected,
            "Invalid declaration not refused as required",
            name,
            operation=operation,
        )
        if reply.media_type != "application/problem+json":
            raise Disagreement(
                "Refusal is not problem+json",
                f"{reply.describe()} as {reply.media_type or 'no media type'} ({name}).",
                reply,
                operation=operation,
            )
        after = [_state(session, bsn) for bsn in watched]
        if after != before:
            raise Disagreement(
                "A refused declaration changed the register",
                f"{name}: the register changed for {watched} although the answer was "
                f"{reply.status}.",
                reply,
                operation=operation,
            )
    except Disagreement as disagreement:
        session.findings.record(disagreement)
        return
    session.findings.passed(operation, reply)


Refusal = tuple[str, Callable[[], Reply], int, list[str], str]


def _declaring(session: Session, path: str, body: Body) -> Callable[[], Reply]:
    return lambda: declare(session, path, body)


@behaviour_check("bb:registries:declaration-rejections")
def declaration_rejections(session: Session) -> None:
    parents = Parents(session)
    mother = str(parents.mothers[0]["burgerservicenummer"])
    mothers_birth = str(parents.mothers[0]["geboorte"]["datum"])
    other = str(parents.others[0]["burgerservicenummer"])
    stranger = unknown_bsn(session)
    later = (today() + dt.timedelta(days=2)).isoformat()
    child, born = declared_child(
        session, _birth(mother, born=(today() - dt.timedelta(days=30)).isoformat())
    )
    began = str((born.member("verblijfplaats") or {}).get("datumAanvangAdreshouding"))
    before_mother = (dt.date.fromisoformat(mothers_birth) - dt.timedelta(days=1)).isoformat()
    cases = [
        *_unknown_persons(session, mother, stranger, began),
        *_conflicts(session, mother, other, child, dates=(later, before_mother, began)),
    ]
    for name, send, expected, watched, operation in cases:
        judge_refusal(session, name, send, expected, watched, operation)


def _unknown_persons(session: Session, mother: str, stranger: str, began: str) -> list[Refusal]:
    """Declarations about a person the register does not hold: 404."""
    return [
        (
            "a birth whose mother the register does not hold",
            _declaring(session, "/geboorteaangiften", _birth(stranger)),
            404,
            [],
            BIRTH,
        ),
        (
            "a birth whose other parent the register does not hold",
            _declaring(session, "/geboorteaangiften", _birth(mother, other=stranger)),
            404,
            [mother],
            BIRTH,
        ),
        (
            "a move of a person the register does not hold",
            _declaring(session, "/verhuisaangiften", _move(stranger, began)),
            404,
            [],
            MOVE,
        ),
    ]


def _conflicts(
    session: Session, mother: str, other: str, child: str, *, dates: tuple[str, str, str]
) -> list[Refusal]:
    """Declarations that contradict what the register holds: 409. ``dates``: a day after
    today, the day before the mother's birth, the day the child's address began."""
    later, before_mother, began = dates

    def birth(body: Body) -> Callable[[], Reply]:
        return _declaring(session, "/geboorteaangiften", body)

    def move(body: Body) -> Callable[[], Reply]:
        return _declaring(session, "/verhuisaangiften", body)

    return [
        (
            "a birth with the mother as the other parent too",
            birth(_birth(mother, other=mother)),
            409,
            [mother],
            BIRTH,
        ),
        (
            "a birth dated after today",
            birth(_birth(mother, other=other, born=later)),
            409,
            [mother, other],
            BIRTH,
        ),
        (
            "a birth before the mother's own birth",
            birth(_birth(mother, born=before_mother)),
            409,
            [mother],
            BIRTH,
        ),
        ("a move dated after today", move(_move(child, later)), 409, [child], MOVE),
        (
            "a move dated the day the current address began",
            move(_move(child, began)),
            409,
            [child],
            MOVE,
        ),
    ]


@behaviour_check("bb:registries:scopes")
def scopes(session: Session) -> None:
    parents = Parents(session)
    mother = str(parents.mothers[0]["burgerservicenummer"])
    lookup = {"type": BY_BSN, "burgerservicenummer": [mother], "fields": ["burgerservicenummer"]}
    child, began, birth_id, move_id = _allowed_by_scope(session, mother, lookup)
    later = (began + dt.timedelta(days=2)).isoformat()
    refusals: list[tuple[str, Callable[[], Reply], list[str], str]] = [
        (
            "querying with only registries:declare",
            lambda: query(session, lookup, role=DECLARER),
            [],
            QUERY,
        ),
        (
            "declaring a birth with only registries:read",
            lambda: declare(session, "/geboorteaangiften", _birth(mother), role=READER),
            [mother],
            BIRTH,
        ),
        (
            "declaring a move with only registries:read",
            lambda: declare(session, "/verhuisaangiften", _move(child, later), role=READER),
            [child],
            MOVE,
        ),
        (
            "reading a birth declaration with only registries:read",
            lambda: session.call(READER, "GET", f"/geboorteaangiften/{birth_id}"),
            [],
            GET_BIRTH,
        ),
        (
            "reading a move declaration with only registries:read",
            lambda: session.call(READER, "GET", f"/verhuisaangiften/{move_id}"),
            [],
            GET_MOVE,
        ),
    ]
    for name, send, watched, operation in refusals:
        judge_refusal(session, name, send, 403, watched, operation)


def _allowed_by_scope(session: Session, mother: str, lookup: Body) -> tuple[str, dt.date, Any, Any]:
    """Each scope allows what it should: a query with registries:read; a birth, a move and
    reading both back with registries:declare. The child, the day its address began, and the
    ids of the two declarations."""
    allowed = query(session, lookup, role=READER)
    expect_status(
        allowed,
        200,
        "Query refused with registries:read",
        "registries:read lets a client query",
        operation=QUERY,
    )
    session.findings.passed(QUERY, allowed)
    child, born = declared_child(
        session, _birth(mother, born=(today() - dt.timedelta(days=30)).isoformat())
    )
    session.findings.passed(BIRTH, born)
    began = dt.date.fromisoformat(
        str((born.member("verblijfplaats") or {}).get("datumAanvangAdreshouding"))
    )
    moved = declare(
        session, "/verhuisaangiften", _move(child, (began + dt.timedelta(days=1)).isoformat())
    )
    expect_status(
        moved,
        201,
        "Move refused with registries:declare",
        "registries:declare lets a client declare",
        operation=MOVE,
    )
    birth_id, move_id = born.member("aangifteId"), moved.member("aangifteId")
    for path, operation in (
        (f"/geboorteaangiften/{birth_id}", GET_BIRTH),
        (f"/verhuisaangiften/{move_id}", GET_MOVE),
    ):
        own = session.call(DECLARER, "GET", path)
        expect_status(
            own,
            200,
            "Own declaration not readable",
            "registries:declare lets a client read its own declarations",
            operation=operation,
        )
        session.findings.passed(operation, own)
    return child, began, birth_id, move_id


def _uris(reply: Reply) -> Iterator[tuple[str, str]]:
    location = reply.header("location")
    if location:
        yield "Location", location
    yield from _hrefs(reply.json(), "body")


def _hrefs(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "href" and isinstance(item, str):
                yield where, item
            else:
                yield from _hrefs(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _hrefs(item, f"{where}[{index}]")


def bsns_in(uri: str, known: set[str]) -> list[str]:
    """The BSNs of ``known`` that a URI holds, also when percent-encoded."""
    decoded = unquote(uri)
    return sorted(number for number in known if number in decoded)


@behaviour_check("bb:registries:no-bsn-in-uris")
def no_bsn_in_uris(session: Session) -> None:
    parents = Parents(session)
    mother = str(parents.mothers[0]["burgerservicenummer"])
    other = str(parents.others[0]["burgerservicenummer"])
    lookup = {
        "type": BY_BSN,
        "burgerservicenummer": [mother, other],
        "fields": ["burgerservicenummer"],
    }
    found = query(session, lookup, page_size=1)
    expect_status(found, 200, "Query refused", "the query is valid", operation=QUERY)
    child, born = declared_child(
        session, _birth(mother, other=other, born=(today() - dt.timedelta(days=30)).isoformat())
    )
    began = dt.date.fromisoformat(
        str((born.member("verblijfplaats") or {}).get("datumAanvangAdreshouding"))
    )
    moved = declare(
        session, "/verhuisaangiften", _move(child, (began + dt.timedelta(days=1)).isoformat())
    )
    expect_status(moved, 201, "Valid move refused", "the move is valid", operation=MOVE)
    known = {mother, other, child}
    for reply, operation in ((found, QUERY), (born, BIRTH), (moved, MOVE)):
        leaks = [(where, uri, bsns_in(uri, known)) for where, uri in _uris(reply)]
        leaks = [item for item in leaks if item[2]]
        if leaks:
            shown = "; ".join(f"{where} {uri!r} holds {numbers}" for where, uri, numbers in leaks)
            session.findings.failed(
                "A URI the service returns holds a BSN",
                f"{reply.describe()}: {shown}.",
                operation=operation,
                reply=reply,
            )
        else:
            session.findings.passed(operation, reply)
    location = born.header("location")
    if location:
        read = session.call(DECLARER, "GET", session.resolve(location))
        expect_status(
            read,
            200,
            "Declaration Location not readable",
            "the Location names the declaration",
            operation=GET_BIRTH,
        )
