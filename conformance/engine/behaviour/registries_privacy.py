"""Who may see whom in the person register (GDI-REG-029).

A citizen logs in as a GDI test person who can be a mother (the identity block's test login,
through the citizen portal ``burger-portaal``), after the harness has declared a birth of a
child of hers: she must see her own record and her minor child's, and nobody else's (another
test person, a number the register does not hold, an adult child), and must not search at all.
Organisations search only with ``registries:search`` and a purpose (doelbinding) scope.
Every case is judged on its own, so one leak does not hide the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from conformance.client.reply import Reply
from conformance.engine.behaviour.base import (
    CannotJudge,
    Disagreement,
    Session,
    behaviour_check,
    expect_status,
)
from conformance.engine.behaviour.registries_access import unknown_bsn
from conformance.engine.behaviour.registries_data import (
    BY_ADDRESS,
    BY_BSN,
    BY_NAME,
    PURPOSE,
    QUERY,
    READER,
    SEARCHER,
    persons_of,
    query,
    snapshot,
    test_persons,
)
from conformance.engine.behaviour.registries_events import Parents, declared_child, today
from conformance.engine.behaviour.roles import Role

Body = dict[str, Any]
FIELDS = ["burgerservicenummer", "naam"]
ADULT_AGE = 18
MARGIN = dt.timedelta(days=3)  # the register's today may differ from ours by a day

CITIZEN_PORTAL = "burger-portaal"
ORGANISATION = "gemeente-utrecht"
WITHOUT_PURPOSE = Role(
    "registries-searcher-without-purpose", ORGANISATION, ("registries:read", "registries:search")
)
PURPOSE_WITHOUT_SEARCH = Role(
    "registries-purpose-without-search", ORGANISATION, ("registries:read", PURPOSE)
)


def citizen(bsn: str) -> Role:
    """A citizen who is a GDI test person, logged in through the citizen portal."""
    return Role("registries-citizen", CITIZEN_PORTAL, ("registries:read",), bsn=bsn)


def by_bsn_query(numbers: list[str]) -> Body:
    return {"type": BY_BSN, "burgerservicenummer": numbers, "fields": FIELDS}


def address_query(address: Mapping[str, Any]) -> Body:
    body: Body = {
        "type": BY_ADDRESS,
        "postcode": address.get("postcode"),
        "huisnummer": address.get("huisnummer"),
        "fields": FIELDS,
    }
    for name in ("huisletter", "huisnummertoevoeging"):
        if address.get(name):
            body[name] = address[name]
    return body


def name_query(bsn: str) -> Body | None:
    person = next((item for item in test_persons() if item.bsn == bsn), None)
    if person is None:
        return None
    return {
        "type": BY_NAME,
        "geslachtsnaam": person.geslachtsnaam,
        "geboortedatum": person.geboortedatum,
        "fields": FIELDS,
    }


def _born(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def is_adult(born: dt.date, on: dt.date) -> bool:
    """Born at least 18 years (and a margin) before ``on``: an adult by any register's clock."""
    try:
        eighteenth = born.replace(year=born.year + ADULT_AGE)
    except ValueError:  # born on 29 February
        eighteenth = born.replace(year=born.year + ADULT_AGE, day=28)
    return eighteenth + MARGIN <= on


def numbers_in(reply: Reply) -> list[str]:
    persons = reply.member("personen")
    if not isinstance(persons, list):
        return []
    return [
        str(item.get("burgerservicenummer"))
        for item in persons
        if isinstance(item, dict) and item.get("burgerservicenummer")
    ]


def judge_answer(session: Session, what: str, reply: Reply, expected: list[str]) -> None:
    """A query the asker may ask: 200 with exactly the persons ``expected``."""
    try:
        expect_status(reply, 200, "Allowed query refused", what, operation=QUERY)
        found = sorted(str(item.get("burgerservicenummer")) for item in persons_of(reply))
        if found != sorted(expected):
            raise Disagreement(
                "Allowed query answered with other persons",
                f"{reply.describe()}: {what} returned {found}, expected {sorted(expected)}.",
                reply,
                operation=QUERY,
            )
    except Disagreement as disagreement:
        session.findings.record(disagreement)
        return
    session.findings.passed(QUERY, reply)


def judge_refusal(session: Session, what: str, reply: Reply) -> None:
    """A query the asker may not ask: 403 problem+json, and no person in the answer."""
    shown = numbers_in(reply)
    if reply.status != 403:
        leaked = f"; it returned {shown}" if shown else ""
        session.findings.failed(
            "Query answered that the asker may not ask",
            f"{reply.describe()}, expected 403: {what}{leaked}.",
            operation=QUERY,
            reply=reply,
        )
    elif reply.media_type != "application/problem+json" or shown:
        session.findings.failed(
            "Refusal is not a plain problem+json",
            f"{reply.describe()} as {reply.media_type or 'no media type'} with persons "
            f"{shown} ({what}).",
            operation=QUERY,
            reply=reply,
        )
    else:
        session.findings.passed(QUERY, reply)


def _others(held: dict[str, Any], own: str) -> tuple[list[str], list[str]]:
    """Whose records the citizen ``own`` may not read: strangers (not her children) and her
    adult children."""
    strangers = sorted(
        bsn
        for bsn, person in held.items()
        if bsn != own
        and own not in {str(item.get("burgerservicenummer")) for item in person.get("ouders") or ()}
    )
    adult_children = sorted(
        str(item.get("burgerservicenummer"))
        for item in held.get(own, {}).get("kinderen") or ()
        if (day := _born((item.get("geboorte") or {}).get("datum"))) and is_adult(day, today())
    )
    return strangers, adult_children


@behaviour_check("bb:registries:citizen-own-records")
def citizen_own_records(session: Session) -> None:
    parents = Parents(session)
    mother = parents.mothers[0]
    own = str(mother["burgerservicenummer"])
    held = snapshot(session, ["ouders", "kinderen"])
    born = (today() - dt.timedelta(days=30)).isoformat()
    child, _ = declared_child(
        session,
        {
            "naam": {"voornamen": "Inzage", "geslachtsnaam": "Eigen"},
            "geslacht": "O",
            "geboorte": {"datum": born, "plaats": "Utrecht"},
            "moeder": {"burgerservicenummer": own},
        },
    )
    strangers, adult_children = _others(held, own)
    role = citizen(own)

    judge_answer(
        session,
        "a citizen reads her own record",
        query(session, by_bsn_query([own]), role=role),
        [own],
    )
    judge_answer(
        session,
        "a citizen reads her own record and her minor child's",
        query(session, by_bsn_query([own, child]), role=role),
        [own, child],
    )
    refusals: list[tuple[str, Body]] = []
    if strangers:
        stranger = strangers[0]
        refusals += [
            ("a citizen reads another person's record", by_bsn_query([stranger])),
            ("a citizen reads her own and another person's record", by_bsn_query([own, stranger])),
        ]
    refusals.append(
        (
            "a citizen reads a number the register does not hold",
            by_bsn_query([unknown_bsn(session)]),
        )
    )
    if adult_children:
        refusals.append(
            ("a citizen reads her adult child's record", by_bsn_query(adult_children[:1]))
        )
    address = mother.get("verblijfplaats") or {}
    if address.get("postcode") and address.get("huisnummer"):
        refusals.append(("a citizen searches by her own address", address_query(address)))
    by_name = name_query(own)
    if by_name is not None:
        refusals.append(("a citizen searches by her own name and birth date", by_name))
    for what, body in refusals:
        judge_refusal(session, what, query(session, body, role=role))


@behaviour_check("bb:registries:search-purpose")
def search_purpose(session: Session) -> None:
    parents = Parents(session)
    mother = parents.mothers[0]
    own = str(mother["burgerservicenummer"])
    searches: list[tuple[str, Body]] = []
    address = mother.get("verblijfplaats") or {}
    if address.get("postcode") and address.get("huisnummer"):
        searches.append(("by address", address_query(address)))
    by_name = name_query(own)
    if by_name is not None:
        searches.append(("by name and birth date", by_name))
    if not searches:
        raise CannotJudge(
            f"the test person {own} has neither a current address nor a name to search by"
        )
    for how, body in searches:
        found = query(session, body, role=SEARCHER)
        try:
            expect_status(
                found,
                200,
                "Search with a purpose refused",
                f"an organisation with registries:search and {PURPOSE} searches {how}",
                operation=QUERY,
            )
            if own not in numbers_in(found):
                raise Disagreement(
                    "Search with a purpose misses the person",
                    f"{found.describe()}: searching {how} for test person {own} did not find her.",
                    found,
                    operation=QUERY,
                )
            session.findings.passed(QUERY, found)
        except Disagreement as disagreement:
            session.findings.record(disagreement)
        for role, lacking in (
            (READER, "with only registries:read"),
            (WITHOUT_PURPOSE, "with registries:search but no purpose (doelbinding)"),
            (PURPOSE_WITHOUT_SEARCH, f"with {PURPOSE} but no registries:search"),
        ):
            what = f"an organisation searches {how} {lacking}"
            judge_refusal(session, what, query(session, body, role=role))
