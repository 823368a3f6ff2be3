"""Behaviour of subscriptions and their notifications, received by the harness itself.

The harness runs a ``Receiver`` (a real HTTP server, loopback by default) and subscribes it;
the implementation must POST NL GOV CloudEvents to it within the delivery timeout, retry after
a 5xx, send only what a subscription is entitled to, and stop once it is deleted.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable

from hypothesis import strategies as st

from conformance.client.receiver import (
    Delivery,
    Receiver,
    fail_always,
    fail_first_attempt,
)
from conformance.client.reply import Reply
from conformance.engine.behaviour.base import Disagreement, Session, behaviour_check, expect_status
from conformance.engine.behaviour.explore import explore
from conformance.engine.behaviour.messaging_data import (
    CITIZEN,
    DELETE_SUBSCRIPTION,
    DELETED,
    EVENT_TYPES,
    GET_SUBSCRIPTION,
    LIST_SUBSCRIPTIONS,
    OTHER_ORGANISATION,
    READ,
    RECEIVED,
    SEND_ONLY,
    SENDER,
    SUBSCRIBE,
    bsn_of,
    deleted,
    delivery_exchange,
    everything,
    ids,
    marked_read,
    new_message,
    oin_of,
    sent,
    subscription,
    to_citizen,
    total,
)

SOURCE = re.compile(r"^urn:nld:oin:[0-9]{20}:systeem:[a-z0-9][a-z0-9-]*$")
REVERSE_DNS = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
UTC_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")
CLOUDEVENTS_JSON = "application/cloudevents+json"
GRACE = 0.5  # an attempt already under way when a subscription is deleted may still land


def about(message_id: str, event_type: str | None = None) -> Callable[[Delivery], bool]:
    def matches(delivery: Delivery) -> bool:
        event = delivery.event()
        return event.get("subject") == message_id and event_type in (None, event.get("type"))

    return matches


def await_delivery(
    session: Session,
    receiver: Receiver,
    wanted: Callable[[Delivery], bool],
    what: str,
    cause: Reply,
    operation: str,
    count: int = 1,
) -> list[Delivery]:
    timeout = session.settings.delivery_timeout
    arrived = receiver.wait_for(
        lambda items: sum(1 for item in items if wanted(item)) >= count,
        timeout,
        lambda: session.ctx.stopped,
    )
    if not arrived:
        raise Disagreement(
            "A notification did not arrive in time",
            f"After {cause.describe()}, {what} did not reach the harness's receiver within "
            f"{timeout:g}s ({len(receiver.received(wanted))} of {count} arrived).",
            cause,
            operation=operation,
        )
    return receiver.received(wanted)


def quiet(session: Session, receiver: Receiver) -> None:
    """Listen for the quiet period (for events that must not come)."""
    receiver.wait_for(
        lambda items: False, session.settings.quiet_period, lambda: session.ctx.stopped
    )


# ---------------------------------------------------------------------------- subscriptions


@behaviour_check("bb:messaging:subscription-ownership")
def subscription_ownership(session: Session) -> None:
    callback = "http://127.0.0.1:9/gdi-conformance/ownership"  # never called: nothing is sent
    held_before, _ = total(session, SENDER, "/subscriptions", LIST_SUBSCRIPTIONS)
    for role, why in (
        (CITIZEN, "a citizen's token cannot subscribe"),
        (SEND_ONLY, "an organisation token without messaging:subscribe cannot subscribe"),
    ):
        reply = session.call(role, "POST", "/subscriptions", body={"callbackUrl": callback})
        expect_status(
            reply,
            403,
            "Subscription without the right to subscribe accepted",
            why,
            operation=SUBSCRIBE,
        )
        session.findings.passed(SUBSCRIBE, reply)
    held_after, listed = total(session, SENDER, "/subscriptions", LIST_SUBSCRIPTIONS)
    if held_after != held_before:
        raise Disagreement(
            "A refused subscription was created",
            f"The organisation's subscriptions went from {held_before} to {held_after}.",
            listed,
            operation=SUBSCRIBE,
        )
    with subscription(session, SENDER, callback) as subscription_id:
        path = f"/subscriptions/{subscription_id}"
        for method, operation in (("GET", GET_SUBSCRIPTION), ("DELETE", DELETE_SUBSCRIPTION)):
            reply = session.call(OTHER_ORGANISATION, method, path)
            expect_status(
                reply,
                404,
                "Another organisation reached a subscription",
                "another organisation's subscription does not exist for it",
                operation=operation,
            )
            session.findings.passed(operation, reply)
        theirs, listed = everything(
            session, OTHER_ORGANISATION, path="/subscriptions", operation=LIST_SUBSCRIPTIONS
        )
        if subscription_id in ids(theirs):
            raise Disagreement(
                "Another organisation lists a subscription",
                f"{listed.describe()} listing the first organisation's subscription "
                f"{subscription_id}.",
                listed,
                operation=LIST_SUBSCRIPTIONS,
            )
        kept = session.call(SENDER, "GET", path)
        expect_status(
            kept,
            200,
            "A subscription vanished after another organisation's delete",
            "only its owner deletes it",
            operation=DELETE_SUBSCRIPTION,
        )
        session.findings.passed(LIST_SUBSCRIPTIONS, listed)


_BAD_CALLBACKS = [
    "ftp://ontvanger.example.nl/berichten",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "/relatief/pad/voor/berichten",
    "ontvanger.example.nl/berichten",
    "http://",
    "https:///zonder-host",
    "mailto:beheer@example.nl",
    "ws://ontvanger.example.nl/berichten",
]


@behaviour_check("bb:messaging:callback-url")
def callback_url(session: Session) -> None:
    before, _ = total(session, SENDER, "/subscriptions", LIST_SUBSCRIPTIONS)
    bad = st.one_of(
        st.sampled_from(_BAD_CALLBACKS),
        st.from_regex(
            r"(ftp|gopher|data|urn|ldap):[a-z/]{2,6}[a-z]{3,10}\.example/[a-z]{0,8}", fullmatch=True
        ),
        st.from_regex(r"\.{0,2}/[a-z0-9/]{9,20}", fullmatch=True),
    )

    def scenario(url: str) -> None:
        reply = session.call(SENDER, "POST", "/subscriptions", body={"callbackUrl": url})
        expect_status(
            reply,
            400,
            "A callback URL that is not absolute http(s) accepted",
            f"{url!r} is not an absolute http or https URL",
            operation=SUBSCRIBE,
        )
        session.findings.passed(SUBSCRIBE, reply)

    explore(session, bad, scenario, cases=_BAD_CALLBACKS)
    after, listed = total(session, SENDER, "/subscriptions", LIST_SUBSCRIPTIONS)
    if after != before:
        raise Disagreement(
            "A refused subscription was created",
            f"The organisation's subscriptions went from {before} to {after} while every callback "
            "URL was refused.",
            listed,
            operation=SUBSCRIBE,
        )
    with subscription(session, SENDER, "https://ontvanger.gemeente.example.nl/gdi/berichten"):
        session.findings.passed(SUBSCRIBE, listed)


# ---------------------------------------------------------------------------- events


def event_problems(
    delivery: Delivery, message_id: str, location: str, secrets: list[str]
) -> list[str]:
    event = delivery.event()
    problems = []
    if delivery.media_type != CLOUDEVENTS_JSON:
        problems.append(
            f"Content-Type {delivery.media_type or 'missing'}, not {CLOUDEVENTS_JSON} (structured "
            "mode)"
        )
    if event.get("specversion") != "1.0":
        problems.append(f"specversion {event.get('specversion')!r}, not '1.0'")
    if not isinstance(event.get("id"), str) or not event["id"]:
        problems.append("no id")
    if not isinstance(event.get("source"), str) or not SOURCE.match(event["source"]):
        problems.append(
            f"source {event.get('source')!r} is not urn:nld:oin:<20 digits>:systeem:<name>"
        )
    kind = event.get("type")
    if not isinstance(kind, str) or not REVERSE_DNS.match(kind) or kind not in EVENT_TYPES:
        problems.append(f"type {kind!r} is not one of the reverse-DNS message event types")
    moment = event.get("time")
    if not isinstance(moment, str) or not UTC_TIME.match(moment):
        problems.append(f"time {moment!r} is not an RFC 3339 time in UTC (with Z)")
    else:
        try:
            dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
        except ValueError:
            problems.append(f"time {moment!r} is not a real moment")
    if event.get("subject") != message_id:
        problems.append(f"subject {event.get('subject')!r} is not the message id")
    dataref = event.get("dataref")
    if not isinstance(dataref, str) or not (
        dataref == location or dataref.endswith(f"/messages/{message_id}")
    ):
        problems.append(f"dataref {dataref!r} is not the message's URL")
    text = delivery.body.decode("utf-8", "replace")
    leaked = [secret for secret in secrets if secret and secret in text]
    if leaked:
        problems.append(
            f"it carries message content or the recipient's identifier ({len(leaked)} item(s)); "
            "events must be informatie-arm"
        )
    return problems


@behaviour_check("bb:messaging:cloudevents")
def cloudevents(session: Session) -> None:
    with Receiver(host=session.settings.receiver_host) as receiver:
        callback = receiver.url("cloudevents")
        with subscription(session, SENDER, callback):
            message = to_citizen(session, CITIZEN, "Gebeurtenis")
            message_id, created = sent(session, message)
            location = session.resolve(created.header("location") or "")
            secrets = [message["subject"], message["body"], bsn_of(session, CITIZEN)]
            marked = marked_read(session, message_id)
            gone = deleted(session, message_id)
            for kind, cause in ((RECEIVED, created), (READ, marked), (DELETED, gone)):
                deliveries = await_delivery(
                    session, receiver, about(message_id, kind), f"a {kind} event", cause, SUBSCRIBE
                )
                problems = event_problems(deliveries[0], message_id, location, secrets)
                if problems:
                    raise Disagreement(
                        "A notification is not an NL GOV CloudEvent",
                        f"The {kind} event about {message_id}: " + "; ".join(problems) + ".",
                        Reply(delivery_exchange(deliveries[0], callback), None),
                        operation=SUBSCRIBE,
                    )
                session.findings.passed(
                    SUBSCRIBE, Reply(delivery_exchange(deliveries[0], callback), None)
                )


@behaviour_check("bb:messaging:event-scope")
def event_scope(session: Session) -> None:
    with Receiver(host=session.settings.receiver_host) as receiver:
        mine, theirs = receiver.url("reads-only"), receiver.url("other-organisation")
        with (
            subscription(session, SENDER, mine, (READ,)),
            subscription(session, OTHER_ORGANISATION, theirs),
        ):
            message_id, _ = sent(session, to_citizen(session, CITIZEN, "Bereik"))
            marked = marked_read(session, message_id)
            at_mine: Callable[[Delivery], bool] = lambda item: item.path == "reads-only"  # noqa: E731
            at_theirs: Callable[[Delivery], bool] = lambda item: item.path == "other-organisation"  # noqa: E731
            await_delivery(
                session,
                receiver,
                lambda item: at_mine(item) and about(message_id, READ)(item),
                "the chosen message-read event",
                marked,
                SUBSCRIBE,
            )
            addressed = new_message(
                session,
                {"type": "oin", "identifier": oin_of(session, OTHER_ORGANISATION)},
                "Aan organisatie",
            )
            to_them, sent_to_them = sent(session, addressed)
            await_delivery(
                session,
                receiver,
                lambda item: at_theirs(item) and about(to_them, RECEIVED)(item),
                "a message-received event at the recipient organisation",
                sent_to_them,
                SUBSCRIBE,
            )
            quiet(session, receiver)
            unwanted = [
                (item, why)
                for item in receiver.received()
                for why in (
                    "an event type the subscription did not choose"
                    if at_mine(item) and item.event().get("type") != READ
                    else "",
                    "an event about a message its organisation neither sent nor received"
                    if at_theirs(item) and item.event().get("subject") == message_id
                    else "",
                )
                if why
            ]
            if unwanted:
                item, why = unwanted[0]
                raise Disagreement(
                    "A subscription received events it is not entitled to",
                    f"{len(unwanted)} unwanted event(s), e.g. {item.event().get('type')} about "
                    f"{item.event().get('subject')}: {why}.",
                    Reply(delivery_exchange(item, receiver.url(item.path)), None),
                    operation=SUBSCRIBE,
                )
            session.findings.passed(SUBSCRIBE, marked)


@behaviour_check("bb:messaging:delivery-retry")
def delivery_retry(session: Session) -> None:
    with Receiver(host=session.settings.receiver_host, policy=fail_first_attempt) as receiver:
        callback = receiver.url("retry")
        with subscription(session, SENDER, callback, (RECEIVED,)):
            message_id, created = sent(session, to_citizen(session, CITIZEN, "Opnieuw"))
            attempts = await_delivery(
                session,
                receiver,
                about(message_id),
                "a retry after the receiver answered 503",
                created,
                SUBSCRIBE,
                count=2,
            )
            first, second = attempts[0], attempts[1]
            if first.event().get("id") != second.event().get("id"):
                raise Disagreement(
                    "A retry is not the same event",
                    f"The retry of the event about {message_id} has CloudEvent id "
                    f"{second.event().get('id')!r}, the first attempt {first.event().get('id')!r}.",
                    Reply(delivery_exchange(second, callback), None),
                    operation=SUBSCRIBE,
                )
            session.findings.passed(SUBSCRIBE, Reply(delivery_exchange(second, callback), None))


@behaviour_check("bb:messaging:subscription-delete")
def subscription_delete(session: Session) -> None:
    with Receiver(host=session.settings.receiver_host, policy=fail_always) as receiver:
        callback = receiver.url("deleted")
        with subscription(session, SENDER, callback, (RECEIVED,)) as subscription_id:
            message_id, created = sent(session, to_citizen(session, CITIZEN, "Opgezegd"))
            await_delivery(
                session, receiver, about(message_id), "a first delivery attempt", created, SUBSCRIBE
            )
            gone = session.call(SENDER, "DELETE", f"/subscriptions/{subscription_id}")
            expect_status(
                gone,
                204,
                "Deleting a subscription refused",
                "its owner deletes it",
                operation=DELETE_SUBSCRIPTION,
            )
            deleted_at = time.monotonic()
            sent(session, to_citizen(session, CITIZEN, "Na opzegging"))
            quiet(session, receiver)
            late = [item for item in receiver.received() if item.received_at > deleted_at + GRACE]
            if late:
                raise Disagreement(
                    "Events were sent to a deleted subscription",
                    f"{len(late)} delivery attempt(s) arrived more than {GRACE:g}s after the "
                    f"subscription was deleted (204), e.g. {late[0].event().get('type')} about "
                    f"{late[0].event().get('subject')}.",
                    Reply(delivery_exchange(late[0], callback), None),
                    operation=DELETE_SUBSCRIPTION,
                )
            read = session.call(SENDER, "GET", f"/subscriptions/{subscription_id}")
            expect_status(
                read,
                404,
                "A deleted subscription is still there",
                "it was deleted",
                operation=DELETE_SUBSCRIPTION,
            )
            session.findings.passed(DELETE_SUBSCRIPTION, gone)
