"""Behaviour of move declarations: a move shows the new address and keeps the old in history.

The person who moves is a child the check declared itself (see registries_events), so the test
persons keep their addresses and a run can be repeated against the same register.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from conformance.client.reply import Reply
from conformance.engine.behaviour.base import (
    CannotJudge,
    Disagreement,
    Session,
    behaviour_check,
    disagree_if,
    expect_status,
)
from conformance.engine.behaviour.explore import explore
from conformance.engine.behaviour.registries_data import BY_ADDRESS, MOVE, all_matches
from conformance.engine.behaviour.registries_events import (
    PLACES,
    Body,
    Parents,
    address_of,
    births,
    declare,
    declared_child,
    one_person,
    today,
)
from conformance.engine.generation.identifiers import postcodes

STREETS = ("Biltstraat", "Lange Nieuwstraat", "Vredenburg", "Kanaalstraat", "Amsterdamsestraatweg")


@st.composite
def new_addresses(draw: st.DrawFn) -> Body:
    address: Body = {
        "straat": draw(st.sampled_from(STREETS)),
        "huisnummer": draw(st.integers(1, 500)),
        "postcode": draw(postcodes()),
        "woonplaats": draw(st.sampled_from(PLACES)),
    }
    if draw(st.booleans()):
        address["huisletter"] = draw(st.sampled_from("ABC"))
    if draw(st.booleans()):
        address["huisnummertoevoeging"] = draw(st.sampled_from(["2", "bis", "H"]))
    return address


def search_address(session: Session, address: dict[str, Any]) -> tuple[list[str], Reply]:
    body = {"type": BY_ADDRESS, "fields": ["burgerservicenummer"]}
    body.update(
        {
            name: address[name]
            for name in ("postcode", "huisnummer", "huisletter", "huisnummertoevoeging")
            if name in address
        }
    )
    found, reply = all_matches(session, body)
    return [str(person.get("burgerservicenummer")) for person in found], reply


@behaviour_check("bb:registries:move-keeps-history")
def move_keeps_history(session: Session) -> None:
    parents = Parents(session)

    def scenario(drawn: tuple[Body, Body, float]) -> None:
        birth, new, fraction = drawn
        bsn, born = declared_child(session, birth)
        old = born.member("verblijfplaats") or {}
        began = dt.date.fromisoformat(
            str(old.get("datumAanvangAdreshouding") or birth["geboorte"]["datum"])
        )
        room = (today() - dt.timedelta(days=1) - began).days
        if room < 1:
            raise CannotJudge(
                f"the child {bsn} got an address that began {began}: no room for a move "
                "before today"
            )
        moved_on = (began + dt.timedelta(days=max(1, round(room * fraction)))).isoformat()
        if (new["postcode"], new["huisnummer"]) == (old.get("postcode"), old.get("huisnummer")):
            new = {**new, "huisnummer": int(new["huisnummer"]) + 1}
        target = {**new, "datumAanvangAdreshouding": moved_on}
        reply = declare(
            session, "/verhuisaangiften", {"burgerservicenummer": bsn, "verblijfplaats": target}
        )
        expect_status(
            reply,
            201,
            "Valid move declaration refused",
            f"{bsn} moves on {moved_on}, after its address began ({began})",
            operation=MOVE,
        )
        _check_previous(reply, old, moved_on)
        _check_history(session, bsn, old, target)
        session.findings.passed(MOVE, _check_searches(session, bsn, old, target))

    strategy = st.tuples(births(parents), new_addresses(), st.floats(0.0, 1.0))
    explore(session, strategy, scenario, examples=min(3, session.settings.examples))


def _check_previous(reply: Reply, old: dict[str, Any], moved_on: str) -> None:
    """The move's answer, where it names the previous address, names the old one, ended."""
    previous = reply.member("vorigeVerblijfplaats")
    if previous is not None and (
        address_of(previous) != address_of(old)
        or previous.get("datumEindeAdreshouding") != moved_on
    ):
        raise Disagreement(
            "The move reports a wrong previous address",
            f"vorigeVerblijfplaats is {previous}, expected {address_of(old)} ended {moved_on}.",
            reply,
            operation=MOVE,
        )


def _check_history(session: Session, bsn: str, old: dict[str, Any], target: Body) -> None:
    """The person now lives at the target, and the old address heads the history, ended."""
    moved_on = target["datumAanvangAdreshouding"]
    person, found = one_person(
        session, bsn, ["burgerservicenummer", "verblijfplaats", "verblijfplaatsHistorie"], MOVE
    )
    current = person.get("verblijfplaats") or {}
    history = person.get("verblijfplaatsHistorie") or []
    problems = []
    if (
        address_of(current) != address_of(target)
        or current.get("datumAanvangAdreshouding") != moved_on
    ):
        problems.append(f"the current address is {current}, expected {target}")
    last = history[0] if history and isinstance(history[0], dict) else {}
    if (
        address_of(last) != address_of(old)
        or last.get("datumEindeAdreshouding") != moved_on
        or last.get("datumAanvangAdreshouding") != old.get("datumAanvangAdreshouding")
    ):
        problems.append(
            f"the most recent history entry is {last or None}, expected {address_of(old)} "
            f"from {old.get('datumAanvangAdreshouding')} ended {moved_on}"
        )
    disagree_if(
        problems,
        "The move is not reflected with its history",
        f"After moving {bsn}",
        found,
        operation=MOVE,
    )


def _check_searches(session: Session, bsn: str, old: dict[str, Any], target: Body) -> Reply:
    """A search finds the person at the new address only; the last search's reply."""
    there, reply = search_address(session, target)
    if bsn not in there:
        raise Disagreement(
            "The new address does not find the person",
            f"A search at the new address {address_of(target)} does not return {bsn}.",
            reply,
            operation=MOVE,
        )
    before, reply = search_address(session, old)
    if bsn in before:
        raise Disagreement(
            "The old address still finds the person",
            f"A search at the old address {address_of(old)} still returns {bsn} after the move.",
            reply,
            operation=MOVE,
        )
    return reply
