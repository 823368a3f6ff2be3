"""Life events: a birth registers a new person, a move gives a person a new current address.

Each declaration runs in one write transaction (SQLite's BEGIN IMMEDIATE), so its checks and its
changes see the same register, concurrent declarations are serialised, and a rejected
declaration changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from building_blocks.common import Database, InvalidParam, ProblemError
from building_blocks.registries import store
from building_blocks.registries.bsn import allocate

try:
    _DUTCH_TIME: dt.tzinfo = ZoneInfo("Europe/Amsterdam")
except ZoneInfoNotFoundError:  # a system without time zone data: UTC is close enough
    _DUTCH_TIME = dt.UTC


def today() -> str:
    """Today's date in the Netherlands (a birth at 00:30 must not be 'in the future')."""
    return dt.datetime.now(_DUTCH_TIME).date().isoformat()


def _not_found(name: str) -> ProblemError:
    return ProblemError(
        404,
        "Person not found",
        "The register holds no person with the given burgerservicenummer.",
        invalidParams=[InvalidParam(name, "notFound", "No person with this burgerservicenummer.")],
    )


def _conflict(name: str, detail: str) -> ProblemError:
    return ProblemError(
        409,
        "Conflict",
        detail,
        invalidParams=[InvalidParam(name, "conflict", detail)],
    )


def declare_birth(
    db: Database, body: Mapping[str, Any], client_id: str, *, on: str | None = None
) -> dict[str, Any]:
    """Register the child; returns the declaration as the API shows it."""
    born = body["geboorte"]["datum"]
    mother_bsn = body["moeder"]["burgerservicenummer"]
    other = body.get("andereOuder")
    other_bsn = None if other is None else other["burgerservicenummer"]
    with db.transaction() as conn:
        mother = store.person_row(conn, mother_bsn)
        if mother is None:
            raise _not_found("moeder.burgerservicenummer")
        other_parent = None if other_bsn is None else store.person_row(conn, other_bsn)
        if other_bsn is not None and other_parent is None:
            raise _not_found("andereOuder.burgerservicenummer")
        if other_bsn == mother_bsn:
            raise _conflict(
                "andereOuder.burgerservicenummer", "The other parent cannot be the mother too."
            )
        if born > (on or today()):
            raise _conflict("geboorte.datum", "A birth cannot be declared before it happened.")
        for name, parent in (("moeder", mother), ("andereOuder", other_parent)):
            if parent is not None and born <= parent["geboortedatum"]:
                raise _conflict(
                    "geboorte.datum", f"The child cannot be born before its parent ({name})."
                )
        mothers_address = store.current_address(conn, mother_bsn)
        if mothers_address is None:
            raise _conflict("moeder.burgerservicenummer", "The mother has no current address.")
        bsn, following = allocate(
            store.next_sequence(conn), lambda candidate: store.bsn_taken(conn, candidate)
        )
        store.set_next_sequence(conn, following)
        child = {
            "burgerservicenummer": bsn,
            "naam": dict(body["naam"]),
            "geslacht": body["geslacht"],
            "geboorte": dict(body["geboorte"]),
        }
        store.insert_person(conn, child)
        address = {k: v for k, v in mothers_address.items() if k != "datumEindeAdreshouding"}
        # The child lives there from its birth, or from when the mother moved in if later.
        address["datumAanvangAdreshouding"] = max(born, address["datumAanvangAdreshouding"])
        store.insert_address(conn, bsn, address)
        store.link_parent(conn, bsn, mother_bsn, "1")
        if other_bsn is not None:
            store.link_parent(conn, bsn, other_bsn, "2")
        result: dict[str, Any] = {"aangifteId": str(uuid.uuid4()), **child}
        result["moeder"] = {"burgerservicenummer": mother_bsn}
        if other_bsn is not None:
            result["andereOuder"] = {"burgerservicenummer": other_bsn}
        result["verblijfplaats"] = address
        store.save_declaration(conn, result["aangifteId"], "birth", client_id, result)
    return result


def declare_move(
    db: Database, body: Mapping[str, Any], client_id: str, *, on: str | None = None
) -> dict[str, Any]:
    """Give the person the new address; the old one is ended and kept as history."""
    bsn = body["burgerservicenummer"]
    new = dict(body["verblijfplaats"])
    starts = new["datumAanvangAdreshouding"]
    with db.transaction() as conn:
        person = store.person_row(conn, bsn)
        if person is None:
            raise _not_found("burgerservicenummer")
        name = "verblijfplaats.datumAanvangAdreshouding"
        if starts > (on or today()):
            raise _conflict(name, "A move cannot be declared before the new address begins.")
        previous = store.current_address(conn, bsn)
        began = (
            person["geboortedatum"] if previous is None else previous["datumAanvangAdreshouding"]
        )
        if starts <= began:
            raise _conflict(name, "The new address must begin after the current one began.")
        store.end_current_address(conn, bsn, starts)
        store.insert_address(conn, bsn, new)
        result: dict[str, Any] = {
            "aangifteId": str(uuid.uuid4()),
            "burgerservicenummer": bsn,
            "verblijfplaats": new,
        }
        if previous is not None:
            result["vorigeVerblijfplaats"] = {**previous, "datumEindeAdreshouding": starts}
        store.save_declaration(conn, result["aangifteId"], "move", client_id, result)
    return result
