"""What the life-event scenarios share: the stage they play on and the steps they have in common.

The municipality (client ``gemeente-utrecht``) acts with client_credentials tokens (one for the
register, one for messaging); its
notification system subscribes a callback on the harness's loopback receiver; citizens log in
through ``burger-portaal`` (authorization code + PKCE, via the login driver) and read their
inbox. Every value a run must not share with an earlier one (idempotency keys, the receiver's
path) carries the run's nonce; every choice (which parents, names, addresses) comes from the
run's seeded random generator.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from conformance.client.identifiers import is_valid_bsn
from conformance.client.receiver import Delivery, Receiver
from conformance.interop.blocks import MESSAGING_RESOURCE, REGISTRIES_RESOURCE, IdentityBlock
from conformance.interop.people import Person
from conformance.interop.resource_blocks import MessagingBlock, RegistriesBlock, refused
from conformance.interop.steps import MESSAGING, REGISTRIES, Journey, StepFailed

MUNICIPALITY = "municipality"
SUBSCRIBER = "municipality's notification system"
REGISTRIES_SCOPES = ["registries:declare", "registries:read"]
MESSAGING_SCOPES = ["messaging:send", "messaging:subscribe"]
MESSAGE_RECEIVED = "nl.gdi.messaging.message-received"
CLOUDEVENTS_JSON = "application/cloudevents+json"


@dataclass(slots=True)
class Stage:
    identity: IdentityBlock
    registries: RegistriesBlock
    messaging: MessagingBlock
    receiver: Receiver
    persons: list[Person]
    random: random.Random  # seeded: every choice a scenario makes
    nonce: str  # fresh per run: what must not repeat an earlier run
    delivery_timeout: float
    today: dt.date

    @property
    def yesterday(self) -> str:
        # A day's margin: a register whose clock is behind ours must not see the future.
        return (self.today - dt.timedelta(days=1)).isoformat()

    @property
    def organisation_oin(self) -> str:
        return self.identity.clients.organisation.oin or ""


@dataclass(frozen=True, slots=True)
class Sent:
    """A message the municipality sent to a citizen."""

    role: str  # "mother", "other parent", "resident"
    person: Person
    message_id: str
    subject: str
    text: str


@dataclass(frozen=True, slots=True)
class MunicipalityTokens:
    registries: str
    messaging: str


def municipality_token(stage: Stage) -> MunicipalityTokens:
    """One token per resource server, each with that server's scopes: a provider may issue an
    access token for a single audience only (RFC 8707; oidc-provider does)."""
    return MunicipalityTokens(
        registries=stage.identity.organisation_token(REGISTRIES_SCOPES, MUNICIPALITY),
        messaging=stage.identity.organisation_token(MESSAGING_SCOPES, MUNICIPALITY),
    )


@dataclass(frozen=True, slots=True)
class Subscribed:
    """The municipality during a scenario: its tokens and where its notifications arrive."""

    registries: str  # the token for the registries block
    messaging: str  # the token for the messaging block
    path: str  # the receiver path of its subscription


@contextmanager
def subscribed_municipality(journey: Journey, stage: Stage, name: str) -> Iterator[Subscribed]:
    """The municipality's tokens and a subscription for the scenario ``name``, cancelled when
    the scenario ends however it ends."""
    tokens_of = journey.run(
        "municipality-token", lambda: municipality_token(stage), actor=MUNICIPALITY
    )
    subscription, path = journey.run(
        "subscribe", lambda: subscribe(stage, tokens_of.messaging, name), actor=SUBSCRIBER
    )
    try:
        yield Subscribed(tokens_of.registries, tokens_of.messaging, path)
    finally:
        stage.messaging.unsubscribe(tokens_of.messaging, subscription, SUBSCRIBER)


def registries_refused(
    stage: Stage, reply: Any, token: str, what: str, expected: str, scope: str
) -> StepFailed:
    return refused(
        reply,
        REGISTRIES,
        what,
        expected,
        identity=stage.identity,
        token=token,
        audience=REGISTRIES_RESOURCE,
        scope=scope,
    )


def messaging_refused(
    stage: Stage,
    reply: Any,
    token: str,
    what: str,
    expected: str,
    scope: str,
    claim: tuple[str, str],
) -> StepFailed:
    return refused(
        reply,
        MESSAGING,
        what,
        expected,
        identity=stage.identity,
        token=token,
        audience=MESSAGING_RESOURCE,
        scope=scope,
        claim=claim,
    )


def subscribe(stage: Stage, token: str, name: str) -> tuple[str, str]:
    """Subscribe the receiver (path ``<nonce>-<name>``); returns (subscription id, path)."""
    path = f"{stage.nonce}-{name}"
    reply = stage.messaging.subscribe(
        token, stage.receiver.url(path), [MESSAGE_RECEIVED], SUBSCRIBER
    )
    subscription_id = reply.member("id")
    if reply.status != 201 or not isinstance(subscription_id, str):
        raise messaging_refused(
            stage,
            reply,
            token,
            "subscribing the notification system",
            "201 with the subscription's id",
            "messaging:subscribe",
            ("oin", stage.organisation_oin),
        )
    return subscription_id, path


def send_messages(
    stage: Stage, token: str, recipients: list[tuple[str, Person]], subject: str, text: str
) -> list[Sent]:
    sent: list[Sent] = []
    for number, (role, person) in enumerate(recipients):
        key = f"{stage.nonce}-{subject[:20]}-{number}".replace(" ", "-")
        key = "".join(char for char in key if char.isalnum() or char in "._:-")[:128]
        reply = stage.messaging.send(token, key, person.bsn, subject, text, MUNICIPALITY)
        message_id = reply.member("id")
        if reply.status != 201 or not isinstance(message_id, str):
            raise messaging_refused(
                stage,
                reply,
                token,
                f"sending the message to the {role}",
                "201 with the message's id",
                "messaging:send",
                ("oin", stage.organisation_oin),
            )
        sent.append(Sent(role, person, message_id, subject, text))
    return sent


def inform(
    journey: Journey,
    stage: Stage,
    municipality: Subscribed,
    recipients: list[tuple[str, Person]],
    message: tuple[str, str],
    steps: tuple[str, str, str],
) -> None:
    """The municipality messages the recipients, they log in and read it, and its subscriber
    is notified. ``message``: subject and text; ``steps``: this scenario's names for sending,
    logging in and reading (the notification step is "subscriber-notified" in every one)."""
    subject, text = message
    notify, log_in_step, read = steps
    token, path = municipality.messaging, municipality.path
    sent = journey.run(
        notify,
        lambda: send_messages(stage, token, recipients, subject, text),
        actor=MUNICIPALITY,
    )
    tokens = journey.run(log_in_step, lambda: log_in(stage, sent))
    journey.run(read, lambda: read_messages(stage, sent, tokens))
    journey.run(
        "subscriber-notified",
        lambda: await_notifications(stage, token, path, sent),
        actor=SUBSCRIBER,
    )


def log_in(stage: Stage, sent: list[Sent]) -> dict[str, str]:
    """Each recipient logs in through the citizen portal: role -> access token."""
    return {
        item.role: stage.identity.citizen_token(item.person.bsn, ["messaging:read"], item.role)
        for item in sent
    }


def read_messages(stage: Stage, sent: list[Sent], tokens: dict[str, str]) -> None:
    """Each recipient finds their message in their own inbox and reads it."""
    for item in sent:
        _read_message(stage, item, tokens[item.role])


def _read_message(stage: Stage, item: Sent, token: str) -> None:
    def refusal(reply: Any, what: str, expected: str) -> StepFailed:
        claim = ("bsn", item.person.bsn)
        return messaging_refused(stage, reply, token, what, expected, "messaging:read", claim)

    reply = stage.messaging.inbox(token, item.role)
    items = reply.member("items")
    if reply.status != 200 or not isinstance(items, list):
        raise refusal(reply, f"the {item.role}'s inbox", "200 with the inbox page")
    listed = [entry.get("id") for entry in items if isinstance(entry, dict)]
    if item.message_id not in listed:
        raise StepFailed(
            f"the {item.role}'s inbox does not list the message sent to them "
            f"({item.message_id}); it lists {len(listed)} other message(s)",
            exchange=reply.exchange,
            blame=MESSAGING,
            actor=item.role,
        )
    reply = stage.messaging.message(token, stage.messaging.message_url(item.message_id), item.role)
    if reply.status != 200:
        raise refusal(reply, f"the {item.role} reading their message", "200 with the message")
    if reply.member("subject") != item.subject or reply.member("body") != item.text:
        raise StepFailed(
            f"the message the {item.role} reads is not the one the municipality sent",
            exchange=reply.exchange,
            blame=MESSAGING,
            actor=item.role,
        )


def _event(delivery: Delivery) -> dict[str, Any]:
    return delivery.event()


def await_notifications(stage: Stage, token: str, path: str, sent: list[Sent]) -> None:
    """The subscriber's callback receives a message-received CloudEvent about every message
    (NL GOV CloudEvents profile, structured mode) and fetches the message it names."""
    wanted = {item.message_id for item in sent}

    def about(deliveries: list[Delivery]) -> dict[str, Delivery]:
        found: dict[str, Delivery] = {}
        for delivery in deliveries:
            event = _event(delivery)
            if delivery.path == path and event.get("subject") in wanted:
                found.setdefault(str(event["subject"]), delivery)
        return found

    arrived: Callable[[list[Delivery]], bool] = lambda deliveries: set(about(deliveries)) == wanted  # noqa: E731
    stage.receiver.wait_for(arrived, stage.delivery_timeout)
    found = about(stage.receiver.received())
    for item in sent:
        delivery = found.get(item.message_id)
        if delivery is None:
            raise StepFailed(
                f"no CloudEvent about the message to the {item.role} ({item.message_id}) reached "
                f"the subscriber's callback within {stage.delivery_timeout:g}s",
                blame=MESSAGING,
                actor=SUBSCRIBER,
            )
        event = _event(delivery)
        problems = [
            f"{name} is missing" for name in ("id", "source", "type") if not event.get(name)
        ]
        if event.get("specversion") != "1.0":
            problems.append(f"specversion is {event.get('specversion')!r}, not 1.0")
        if event.get("type") != MESSAGE_RECEIVED:
            problems.append(f"type is {event.get('type')!r}, not {MESSAGE_RECEIVED}")
        if delivery.media_type != CLOUDEVENTS_JSON:
            problems.append(f"Content-Type is {delivery.media_type!r}, not {CLOUDEVENTS_JSON}")
        if problems:
            raise StepFailed(
                f"the CloudEvent about the message to the {item.role}: " + "; ".join(problems),
                blame=MESSAGING,
                actor=SUBSCRIBER,
            )
        dataref = event.get("dataref")
        url = dataref if isinstance(dataref, str) else stage.messaging.message_url(item.message_id)
        reply = stage.messaging.message(token, url, SUBSCRIBER)
        if reply.status != 200 or reply.member("id") != item.message_id:
            raise messaging_refused(
                stage,
                reply,
                token,
                "the subscriber fetching the message the event names",
                "200 with that message",
                "messaging:send",
                ("oin", stage.organisation_oin),
            )


def valid_new_bsn(reply: Any) -> str:
    bsn = reply.member("burgerservicenummer")
    if not is_valid_bsn(bsn):
        raise StepFailed(
            f"the declaration's answer gives burgerservicenummer {bsn!r}, not a valid BSN "
            "(11-proef)",
            exchange=reply.exchange,
            blame=REGISTRIES,
        )
    return str(bsn)


def expect_person(reply: Any, bsn: str, what: str) -> dict[str, Any]:
    """The one person ``bsn`` in a query answer; ``StepFailed`` (registries) otherwise."""
    people = reply.member("personen")
    matches = [
        person
        for person in people or ()
        if isinstance(person, dict) and person.get("burgerservicenummer") == bsn
    ]
    if len(matches) != 1:
        raise StepFailed(
            f"{what}: a query by burgerservicenummer {bsn} found {len(matches)} persons, not 1",
            exchange=reply.exchange,
            blame=REGISTRIES,
        )
    return matches[0]
