"""Verhuizing (move): a resident's address changes in registries and messaging tells them.

The municipality authenticates, finds a resident who can move (their current address began
before the move date), declares the move, sees the new address current and the old one in the
history, and sends the resident a message; the resident logs in and reads it; the notification
system receives the CloudEvent.
"""

from __future__ import annotations

from typing import Any

from conformance.interop.people import adults
from conformance.interop.scenarios.common import (
    MUNICIPALITY,
    Stage,
    expect_person,
    inform,
    registries_refused,
    subscribed_municipality,
)
from conformance.interop.steps import (
    IDENTITY,
    MESSAGING,
    REGISTRIES,
    CannotRun,
    Journey,
    Scenario,
    Step,
    StepFailed,
)

STREETS = ("Biltstraat", "Amsterdamsestraatweg", "Lange Nieuwstraat", "Twijnstraat", "Kanaalweg")
CANDIDATES = 20  # one query can name up to 20 persons
ADDRESS_FIELDS = ["straat", "huisnummer", "postcode", "woonplaats", "datumAanvangAdreshouding"]

STEPS = (
    Step("municipality-token", IDENTITY, "The municipality gets an access token for the "
         "register and one for messaging (client_credentials with private_key_jwt)"),
    Step("subscribe", MESSAGING, "The municipality's notification system subscribes a callback "
         "to message events"),
    Step("find-resident", REGISTRIES, "The municipality finds a test resident whose current "
         "address began before the move"),
    Step("declare-move", REGISTRIES, "The municipality declares the move to a new address"),
    Step("address-changed", REGISTRIES, "The new address is current and the previous one is in "
         "the history, ended on the day of the move"),
    Step("notify-resident", MESSAGING, "The municipality sends the resident a message"),
    Step("resident-logs-in", IDENTITY, "The resident logs in through the citizen portal "
         "(authorization code with PKCE S256)"),
    Step("resident-reads-message", MESSAGING, "The resident finds the message in their own "
         "inbox and reads it"),
    Step("subscriber-notified", MESSAGING, "The notification system receives a CloudEvent "
         "about the message and fetches the message it names"),
)  # fmt: skip


def _find(stage: Stage, token: str) -> tuple[Any, dict[str, Any]]:
    candidates = adults(stage.persons, stage.today)
    stage.random.shuffle(candidates)
    candidates = candidates[:CANDIDATES]
    reply = stage.registries.persons(
        token, [person.bsn for person in candidates], ["burgerservicenummer", "verblijfplaats"],
        MUNICIPALITY,
    )  # fmt: skip
    if reply.status != 200:
        raise registries_refused(
            stage, reply, token, "looking up residents", "200", "registries:read"
        )
    found = {
        person.get("burgerservicenummer"): person
        for person in reply.member("personen") or ()
        if isinstance(person, dict)
    }
    for candidate in candidates:
        address = (found.get(candidate.bsn) or {}).get("verblijfplaats") or {}
        began = address.get("datumAanvangAdreshouding")
        if isinstance(began, str) and began < stage.yesterday:
            return candidate, address
    raise CannotRun(
        f"none of {len(candidates)} GDI test residents asked for could move on "
        f"{stage.yesterday} (found {len(found)}; does the register hold the test persons?)",
        exchange=reply.exchange,
    )


def _new_address(stage: Stage) -> dict[str, Any]:
    letters = "ABCDEFGHJKLMNPRTVWXZ"
    return {
        "straat": stage.random.choice(STREETS),
        "huisnummer": stage.random.randint(1, 400),
        "postcode": f"{stage.random.randint(1000, 9999)}"
        f"{stage.random.choice(letters)}{stage.random.choice(letters)}",
        "woonplaats": "Utrecht",
        "datumAanvangAdreshouding": stage.yesterday,
    }


def _declare(stage: Stage, token: str, resident: Any, address: dict[str, Any]) -> None:
    reply = stage.registries.declare_move(
        token, {"burgerservicenummer": resident.bsn, "verblijfplaats": address}, MUNICIPALITY
    )
    if reply.status != 201:
        raise registries_refused(
            stage, reply, token, "declaring the move", "201", "registries:declare"
        )


def _changed(
    stage: Stage, token: str, resident: Any, new: dict[str, Any], old: dict[str, Any]
) -> None:
    fields = ["burgerservicenummer", "verblijfplaats", "verblijfplaatsHistorie"]
    reply = stage.registries.persons(token, [resident.bsn], fields, MUNICIPALITY)
    if reply.status != 200:
        raise registries_refused(
            stage, reply, token, "looking up the resident", "200", "registries:read"
        )
    person = expect_person(reply, resident.bsn, "the resident")
    current = person.get("verblijfplaats") or {}
    different = [name for name in ADDRESS_FIELDS if current.get(name) != new[name]]
    if different:
        raise StepFailed(
            f"after the move the resident's current address differs from the declared one in "
            f"{', '.join(different)}",
            exchange=reply.exchange,
            blame=REGISTRIES,
        )
    history = person.get("verblijfplaatsHistorie") or []
    kept = [
        item
        for item in history
        if isinstance(item, dict)
        and item.get("straat") == old.get("straat")
        and item.get("datumAanvangAdreshouding") == old.get("datumAanvangAdreshouding")
    ]
    if not kept or kept[0].get("datumEindeAdreshouding") != new["datumAanvangAdreshouding"]:
        raise StepFailed(
            "the previous address is not in verblijfplaatsHistorie, ended on the day of the move",
            exchange=reply.exchange,
            blame=REGISTRIES,
        )


def play(journey: Journey, stage: Stage) -> None:
    with subscribed_municipality(journey, stage, "verhuizing") as municipality:
        token = municipality.registries
        resident, old = journey.run(
            "find-resident", lambda: _find(stage, token), actor=MUNICIPALITY
        )
        new = _new_address(stage)
        journey.run(
            "declare-move", lambda: _declare(stage, token, resident, new), actor=MUNICIPALITY
        )
        journey.run(
            "address-changed",
            lambda: _changed(stage, token, resident, new, old),
            actor=MUNICIPALITY,
        )
        subject = "Uw verhuizing is verwerkt"
        text = (
            f"Uw nieuwe adres {new['straat']} {new['huisnummer']}, {new['woonplaats']} is "
            f"ingeschreven per {new['datumAanvangAdreshouding']}."
        )
        inform(
            journey,
            stage,
            municipality,
            [("resident", resident)],
            (subject, text),
            ("notify-resident", "resident-logs-in", "resident-reads-message"),
        )


VERHUIZING = Scenario(
    name="verhuizing",
    title="Moving house",
    requirement="GDI-GEN-102",
    statement=(
        "A move is carried out across identity, registries and messaging: the municipality "
        "authenticates and declares the move, the register shows the new address as current "
        "and keeps the old one, the resident receives and reads a message after logging in, "
        "and the municipality's subscriber is notified with a CloudEvent."
    ),
    steps=STEPS,
    play=play,
)
