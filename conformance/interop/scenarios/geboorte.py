"""Geboorte (birth): the life event as the blocks must carry it out together.

The municipality authenticates with identity (client_credentials, private_key_jwt), declares the
birth in registries, and sends both parents a message; the parents log in through identity
(authorization code + PKCE) and read it in their own inboxes; the municipality's notification
system receives a CloudEvent about each message on a callback the harness runs.
"""

from __future__ import annotations

from typing import Any

from conformance.interop.scenarios.common import (
    MUNICIPALITY,
    Stage,
    expect_person,
    inform,
    registries_refused,
    subscribed_municipality,
    valid_new_bsn,
)
from conformance.interop.steps import (
    IDENTITY,
    MESSAGING,
    REGISTRIES,
    Journey,
    Scenario,
    Step,
    StepFailed,
)

FIRST_NAMES = ("Sophie", "Daan", "Emma", "Noah", "Julia", "Lucas", "Mila", "Sem", "Tess", "Levi")
CHILD_FIELDS = ["burgerservicenummer", "naam", "geboorte", "ouders", "verblijfplaats"]

STEPS = (
    Step("municipality-token", IDENTITY, "The municipality gets an access token for the "
         "register and one for messaging (client_credentials with private_key_jwt)"),
    Step("subscribe", MESSAGING, "The municipality's notification system subscribes a callback "
         "to message events"),
    Step("declare-birth", REGISTRIES, "The municipality declares the birth; the register gives "
         "the child a new, valid BSN"),
    Step("child-registered", REGISTRIES, "The child is findable by that BSN, linked to both "
         "parents, at the mother's address, and both parents list the child"),
    Step("notify-parents", MESSAGING, "The municipality sends each parent a message"),
    Step("parents-log-in", IDENTITY, "Each parent logs in through the citizen portal "
         "(authorization code with PKCE S256)"),
    Step("parents-read-message", MESSAGING, "Each parent finds the message in their own inbox "
         "and reads it"),
    Step("subscriber-notified", MESSAGING, "The notification system receives a CloudEvent "
         "about each message and fetches the message it names"),
)  # fmt: skip


def _declare(stage: Stage, token: str, mother: Any, other: Any) -> tuple[str, dict[str, Any]]:
    declaration = {
        "naam": {
            "voornamen": stage.random.choice(FIRST_NAMES),
            "geslachtsnaam": mother.geslachtsnaam,
        },
        "geslacht": stage.random.choice(("M", "V")),
        "geboorte": {"datum": stage.yesterday, "plaats": "Utrecht"},
        "moeder": {"burgerservicenummer": mother.bsn},
        "andereOuder": {"burgerservicenummer": other.bsn},
    }
    reply = stage.registries.declare_birth(token, declaration, MUNICIPALITY)
    if reply.status != 201:
        raise registries_refused(
            stage, reply, token, "declaring the birth", "201 with the child", "registries:declare"
        )
    return valid_new_bsn(reply), declaration


def _registered(stage: Stage, token: str, child: str, mother: Any, other: Any) -> None:
    reply = stage.registries.persons(token, [child], CHILD_FIELDS, MUNICIPALITY)
    if reply.status != 200:
        raise registries_refused(
            stage, reply, token, "looking up the child", "200", "registries:read"
        )
    person = expect_person(reply, child, "the newborn")
    parents = {item.get("burgerservicenummer") for item in person.get("ouders") or ()}
    problems = [
        f"the {role} ({parent.bsn}) is not among its ouders"
        for role, parent in (("mother", mother), ("other parent", other))
        if parent.bsn not in parents
    ]
    if not person.get("verblijfplaats"):
        problems.append("it has no verblijfplaats (it should live at the mother's address)")
    if problems:
        raise StepFailed(
            f"the newborn {child}: " + "; ".join(problems),
            exchange=reply.exchange,
            blame=REGISTRIES,
        )
    reply = stage.registries.persons(
        token, [mother.bsn, other.bsn], ["burgerservicenummer", "kinderen"], MUNICIPALITY
    )
    if reply.status != 200:
        raise registries_refused(
            stage, reply, token, "looking up the parents", "200", "registries:read"
        )
    for role, parent in (("mother", mother), ("other parent", other)):
        found = expect_person(reply, parent.bsn, f"the {role}")
        children = {item.get("burgerservicenummer") for item in found.get("kinderen") or ()}
        if child not in children:
            raise StepFailed(
                f"the {role} ({parent.bsn}) does not list the newborn {child} among kinderen",
                exchange=reply.exchange,
                blame=REGISTRIES,
            )


def play(journey: Journey, stage: Stage) -> None:
    from conformance.interop.people import couples

    mother, other = stage.random.choice(couples(stage.persons))
    with subscribed_municipality(journey, stage, "geboorte") as municipality:
        token = municipality.registries
        child, declaration = journey.run(
            "declare-birth", lambda: _declare(stage, token, mother, other), actor=MUNICIPALITY
        )
        journey.run(
            "child-registered",
            lambda: _registered(stage, token, child, mother, other),
            actor=MUNICIPALITY,
        )
        name = declaration["naam"]["voornamen"]
        subject = f"Geboorte van {name} ingeschreven"
        text = (
            f"De geboorte van {name} {declaration['naam']['geslachtsnaam']} op "
            f"{declaration['geboorte']['datum']} is ingeschreven in de basisregistratie personen."
        )
        inform(
            journey,
            stage,
            municipality,
            [("mother", mother), ("other parent", other)],
            (subject, text),
            ("notify-parents", "parents-log-in", "parents-read-message"),
        )


GEBOORTE = Scenario(
    name="geboorte",
    title="Birth of a child",
    requirement="GDI-GEN-101",
    statement=(
        "A birth is carried out across identity, registries and messaging: the municipality "
        "authenticates and declares the birth, the child is registered and linked to its "
        "parents, both parents receive and read a message after logging in, and the "
        "municipality's subscriber is notified with a CloudEvent."
    ),
    steps=STEPS,
    play=play,
)
