"""Behaviour of ``POST /messages``: who may send, recipient validation and idempotency.

"Nothing is sent" is observed, not assumed: the recipient's inbox total before and after,
and, for a refused request, that its Idempotency-Key is still unused (the same key with a
valid message then creates it: 201, not a replay or a conflict).
"""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.client.receiver import Delivery, Receiver
from conformance.client.reply import Reply
from conformance.engine.behaviour.base import Disagreement, Session, behaviour_check, expect_status
from conformance.engine.behaviour.explore import explore
from conformance.engine.behaviour.messaging_data import (
    CITIZEN,
    GET,
    OTHER_ORGANISATION,
    RECEIVED,
    SEND,
    SENDER,
    SUBSCRIBE_ONLY,
    bsn_of,
    everything,
    ids,
    new_message,
    oin_of,
    send,
    sent,
    subscription,
    to_citizen,
    total,
)
from conformance.engine.generation.identifiers import invalid_bsns, kvk_numbers, oins, valid_bsns

_DIGITS = "0123456789"


def unchanged_inbox(session: Session, before: int, why: str, reply: Reply) -> None:
    after, _ = total(session, CITIZEN)
    if after != before:
        raise Disagreement(
            "A refused send changed the recipient's inbox",
            f"{reply.describe()} ({why}), yet the recipient's inbox went from {before} to "
            f"{after} messages.",
            reply,
            operation=SEND,
        )


@behaviour_check("bb:messaging:send-scope")
def send_scope(session: Session) -> None:
    before, _ = total(session, CITIZEN)
    for role, why in (
        (CITIZEN, "a citizen's token (messaging:read) cannot send"),
        (SUBSCRIBE_ONLY, "an organisation token without messaging:send cannot send"),
    ):
        reply = send(session, to_citizen(session, CITIZEN), role=role)
        expect_status(reply, 403, "Send without the right to send accepted", why, operation=SEND)
        unchanged_inbox(session, before, why, reply)
        session.findings.passed(SEND, reply)
    oin = oin_of(session, SENDER)
    stranger = oin_of(session, OTHER_ORGANISATION)
    forged = {**to_citizen(session, CITIZEN), "sender": {"oin": stranger}}
    reply = send(session, forged)
    if reply.status in (200, 201) and reply.member("sender", "oin") != oin:
        raise Disagreement(
            "The sender was taken from the request body",
            f"{reply.describe()}: a body naming sender {stranger} made a message from "
            f"{reply.member('sender', 'oin')}, not from the token's OIN {oin}.",
            reply,
            operation=SEND,
        )
    message_id, created = sent(session, to_citizen(session, CITIZEN))
    seen = session.call(CITIZEN, "GET", f"/messages/{message_id}")
    expect_status(
        seen, 200, "Recipient cannot read a new message", "it is in its inbox", operation=GET
    )
    if created.member("sender", "oin") != oin or seen.member("sender", "oin") != oin:
        raise Disagreement(
            "The sender is not the token's organisation",
            f"The message says sender {seen.member('sender', 'oin')!r}; the token's OIN is {oin}.",
            seen,
            operation=SEND,
        )
    session.findings.passed(SEND, seen)


def _not_kvk() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(alphabet=_DIGITS, max_size=12).filter(lambda text: len(text) != 8),
        st.from_regex(r"[0-9]{4}[A-Za-z][0-9]{3}", fullmatch=True),
    )


def _not_oin() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(alphabet=_DIGITS, min_size=1, max_size=24).filter(lambda text: len(text) != 20),
        st.from_regex(r"[0-9]{10}[A-Za-z ][0-9]{9}", fullmatch=True),
    )


def recipients() -> st.SearchStrategy[tuple[dict[str, str], bool]]:
    """(recipient, valid?): every type, valid ones and ones that must be refused."""
    invalid = st.one_of(
        invalid_bsns().map(lambda value: {"type": "bsn", "identifier": value}),
        _not_kvk().map(lambda value: {"type": "kvk", "identifier": value}),
        _not_oin().map(lambda value: {"type": "oin", "identifier": value}),
    )
    valid = st.one_of(
        valid_bsns().map(lambda value: {"type": "bsn", "identifier": value}),
        kvk_numbers().map(lambda value: {"type": "kvk", "identifier": value}),
        oins().map(lambda value: {"type": "oin", "identifier": value}),
    )
    return st.one_of(invalid.map(lambda item: (item, False)), valid.map(lambda item: (item, True)))


def _names_identifier(reply: Reply) -> bool:
    params = reply.member("invalidParams")
    return isinstance(params, list) and any(
        isinstance(item, dict) and item.get("name") == "recipient.identifier" for item in params
    )


@behaviour_check("bb:messaging:recipient-validation")
def recipient_validation(session: Session) -> None:
    def scenario(drawn: tuple[dict[str, str], bool]) -> None:
        recipient, valid = drawn
        key = session.token_id()
        reply = send(session, new_message(session, recipient), key=key)
        if valid:
            expect_status(
                reply,
                201,
                "Valid recipient refused",
                f"{recipient} is a valid {recipient['type']} recipient",
                operation=SEND,
            )
            session.findings.passed(SEND, reply)
            return
        expect_status(
            reply,
            400,
            "Invalid recipient accepted",
            f"{recipient} is not a valid {recipient['type']}",
            operation=SEND,
        )
        if not _names_identifier(reply):
            raise Disagreement(
                "The 400 does not name recipient.identifier",
                f"{reply.describe()} for {recipient}, without an invalidParams entry named "
                "recipient.identifier.",
                reply,
                operation=SEND,
            )
        retry = send(session, to_citizen(session, CITIZEN), key=key)
        expect_status(
            retry,
            201,
            "A refused send used up its Idempotency-Key",
            "the refused request must have stored nothing, so a valid message with the same key "
            "is new",
            operation=SEND,
        )
        session.findings.passed(SEND, reply)

    telling = [
        ({"type": "bsn", "identifier": "123456789"}, False),  # 9 digits failing the 11-proef
        ({"type": "bsn", "identifier": "12345678"}, False),
        ({"type": "kvk", "identifier": "1234567"}, False),
        ({"type": "oin", "identifier": "0000000100123456700"}, False),
        ({"type": "bsn", "identifier": bsn_of(session, CITIZEN)}, True),
    ]
    explore(session, recipients(), scenario, cases=telling)


@behaviour_check("bb:messaging:idempotency-key-required")
def idempotency_key_required(session: Session) -> None:
    before, _ = total(session, CITIZEN)
    for key, why in (
        (None, "no Idempotency-Key header"),
        ("kort", "an Idempotency-Key shorter than 16 characters"),
    ):
        message = to_citizen(session, CITIZEN)
        reply = send(session, message, key=key, with_key=key is not None)
        expect_status(
            reply,
            400,
            "Send without a usable Idempotency-Key accepted",
            f"{why} is invalid input",
            operation=SEND,
        )
        unchanged_inbox(session, before, why, reply)
        session.findings.passed(SEND, reply)


@behaviour_check("bb:messaging:idempotency")
def idempotency(session: Session) -> None:
    with Receiver(host=session.settings.receiver_host) as receiver:
        callback = receiver.url("idempotency")
        with subscription(session, SENDER, callback, (RECEIVED,)):
            first = [True]

            def scenario(replays: int) -> None:
                message = to_citizen(session, CITIZEN)
                key = session.token_id()
                before, _ = total(session, CITIZEN)
                created = send(session, message, key=key)
                expect_status(
                    created, 201, "First send not created", "the key is new", operation=SEND
                )
                for _ in range(replays):
                    again = send(session, message, key=key)
                    expect_status(
                        again,
                        200,
                        "A replay was not answered as a replay",
                        "the same key and body were sent before",
                        operation=SEND,
                    )
                    same = (again.member("id"), again.header("location")) == (
                        created.member("id"),
                        created.header("location"),
                    )
                    if not same or again.json() != created.json():
                        raise Disagreement(
                            "A replay does not return the original message",
                            f"{again.describe()} with id {again.member('id')!r} and Location "
                            f"{again.header('location')!r}; the first send gave "
                            f"{created.member('id')!r} and {created.header('location')!r}.",
                            again,
                            operation=SEND,
                        )
                after, listed = total(session, CITIZEN)
                inbox, _ = everything(session, CITIZEN)
                copies = ids(inbox).count(str(created.member("id")))
                if after != before + 1 or copies != 1:
                    raise Disagreement(
                        "A replay created a second message",
                        f"After one send and {replays} replay(s) the inbox went from {before} to "
                        f"{after} messages and holds the message {copies} time(s).",
                        listed,
                        operation=SEND,
                    )
                if first[0]:
                    first[0] = False
                    judge_one_notification(session, receiver, str(created.member("id")), created)
                session.findings.passed(SEND, created)

            explore(
                session, st.integers(1, 3), scenario, examples=min(3, session.settings.examples)
            )


def judge_one_notification(
    session: Session, receiver: Receiver, message_id: str, reply: Reply
) -> None:
    def about(delivery: Delivery) -> bool:
        return delivery.event().get("subject") == message_id

    timeout = session.settings.delivery_timeout
    if not receiver.wait_for(
        lambda items: any(about(item) for item in items), timeout, lambda: session.ctx.stopped
    ):
        raise Disagreement(
            "No notification for a sent message",
            f"No message-received event about {message_id} reached the subscription within "
            f"{timeout:g}s.",
            reply,
            operation=SEND,
        )
    receiver.wait_for(
        lambda items: False, min(session.settings.quiet_period, 2.0), lambda: session.ctx.stopped
    )
    events = {item.event().get("id") for item in receiver.received(about)}
    if len(events) != 1:
        raise Disagreement(
            "A replay caused a second notification",
            f"{len(events)} distinct events (CloudEvent ids {sorted(map(str, events))}) arrived "
            "about one message sent once and replayed.",
            reply,
            operation=SEND,
        )


@behaviour_check("bb:messaging:idempotency-conflict")
def idempotency_conflict(session: Session) -> None:
    def scenario(change: str) -> None:
        key = session.token_id()
        original = to_citizen(session, CITIZEN)
        changed = dict(original)
        if change == "recipient":
            changed["recipient"] = {"type": "kvk", "identifier": "69599084"}
        else:
            changed[change] = original[change] + " (gewijzigd)"
        created = send(session, original, key=key)
        expect_status(created, 201, "First send not created", "the key is new", operation=SEND)
        before, _ = total(session, CITIZEN)
        clash = send(session, changed, key=key)
        expect_status(
            clash,
            409,
            "Same key with another body not refused",
            f"the key was used for a message with another {change}",
            operation=SEND,
        )
        after, _ = total(session, CITIZEN)
        kept = session.call(CITIZEN, "GET", f"/messages/{created.member('id')}")
        if after != before or kept.member(change) != created.member(change):
            raise Disagreement(
                "A conflicting send changed something",
                f"After the 409 the inbox went from {before} to {after} messages, and the "
                f"original's {change} reads {kept.member(change)!r}.",
                kept,
                operation=SEND,
            )
        other = send(session, changed, role=OTHER_ORGANISATION, key=key)
        expect_status(
            other,
            201,
            "A key is not scoped to its sender",
            "another organisation's use of the same key is independent",
            operation=SEND,
        )
        if other.member("id") == created.member("id"):
            raise Disagreement(
                "Another sender's key gave back a foreign message",
                f"{other.describe()} with the first organisation's message {created.member('id')}.",
                other,
                operation=SEND,
            )
        session.findings.passed(SEND, other)

    explore(
        session,
        st.sampled_from(["subject", "body", "recipient"]),
        scenario,
        examples=min(3, session.settings.examples),
    )
