"""What the messaging checks share: their roles, messages they send, inbox listings.

The roles: an organisation that sends and subscribes, a second organisation that has nothing
to do with its messages, two citizens (inboxes that must stay apart), and the first
organisation with only one of its scopes. Every message a check sends carries a marker in its
subject and text, so a check recognises its own messages and the texts an event must not
repeat.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from conformance.client.receiver import Delivery
from conformance.client.reply import Reply
from conformance.engine.behaviour.base import Disagreement, Session, expect_status
from conformance.engine.behaviour.roles import Role
from conformance.httplimits import Exchange, ReceivedResponse, SentRequest

SEND = "sendMessage"
LIST = "listMessages"
GET = "getMessage"
DELETE = "deleteMessage"
MARK = "markMessageRead"
SUBSCRIBE = "createSubscription"
LIST_SUBSCRIPTIONS = "listSubscriptions"
GET_SUBSCRIPTION = "getSubscription"
DELETE_SUBSCRIPTION = "deleteSubscription"

SENDER = Role(
    "messaging-organisation", "gemeente-utrecht", ("messaging:send", "messaging:subscribe")
)
OTHER_ORGANISATION = Role(
    "messaging-other-organisation", "harness-tweede-org", ("messaging:send", "messaging:subscribe")
)
SUBSCRIBE_ONLY = Role("messaging-subscribe-only", "gemeente-utrecht", ("messaging:subscribe",))
SEND_ONLY = Role("messaging-send-only", "gemeente-utrecht", ("messaging:send",))
CITIZEN = Role("messaging-citizen", "burger-portaal", ("messaging:read",), citizen=0)
OTHER_CITIZEN = Role("messaging-other-citizen", "burger-portaal", ("messaging:read",), citizen=1)
PAGING_CITIZEN = Role("messaging-paging-citizen", "burger-portaal", ("messaging:read",), citizen=2)

MAX_PAGE_SIZE = 100
MAX_PAGES = 30
NO_SUCH_ID = "00000000-0000-4000-8000-000000000000"
EVENT_TYPES = (
    "nl.gdi.messaging.message-received",
    "nl.gdi.messaging.message-read",
    "nl.gdi.messaging.message-deleted",
)
RECEIVED, READ, DELETED = EVENT_TYPES


def bsn_of(session: Session, citizen: Role) -> str:
    return session.roles.claim(citizen, "bsn")


def oin_of(session: Session, organisation: Role) -> str:
    return session.roles.claim(organisation, "oin")


def new_message(session: Session, recipient: dict[str, str], what: str = "Proef") -> dict[str, Any]:
    marker = session.token_id()
    return {
        "recipient": recipient,
        "subject": f"{what} {marker[:12]}",
        "body": f"Inhoud van bericht {marker}. Dit is een testbericht.",
    }


def to_citizen(session: Session, citizen: Role, what: str = "Proef") -> dict[str, Any]:
    return new_message(session, {"type": "bsn", "identifier": bsn_of(session, citizen)}, what)


def send(
    session: Session,
    message: dict[str, Any],
    *,
    role: Role = SENDER,
    key: str | None = None,
    with_key: bool = True,
) -> Reply:
    headers = {"Idempotency-Key": key or session.token_id()} if with_key else {}
    return session.call(role, "POST", "/messages", body=message, headers=headers)


def sent(session: Session, message: dict[str, Any], *, role: Role = SENDER) -> tuple[str, Reply]:
    """Send a message that must be created; its id and the reply."""
    reply = send(session, message, role=role)
    expect_status(
        reply, 201, "Valid message refused", "the message and its sender are valid", operation=SEND
    )
    message_id = reply.member("id")
    if not isinstance(message_id, str):
        raise Disagreement(
            "Sent message without an id",
            f"{reply.describe()} without an id.",
            reply,
            operation=SEND,
        )
    return message_id, reply


def marked_read(
    session: Session,
    message_id: str,
    *,
    title: str = "Marking read refused",
    expectation: str = "the recipient marks its own message",
) -> Reply:
    """The citizen marks its own message read, which must succeed (200)."""
    reply = session.call(CITIZEN, "PUT", f"/messages/{message_id}/read-status", body={"read": True})
    expect_status(reply, 200, title, expectation, operation=MARK)
    return reply


def deleted(
    session: Session,
    message_id: str,
    *,
    title: str = "Deleting refused",
    expectation: str = "the recipient deletes its own message",
) -> Reply:
    """The citizen deletes its own message, which must succeed (204)."""
    reply = session.call(CITIZEN, "DELETE", f"/messages/{message_id}")
    expect_status(reply, 204, title, expectation, operation=DELETE)
    return reply


def listing(
    session: Session,
    role: Role,
    *,
    page: int | None = None,
    page_size: int | None = None,
    status: str | None = None,
    path: str = "/messages",
) -> Reply:
    query: dict[str, Any] = {}
    if page is not None:
        query["page"] = page
    if page_size is not None:
        query["pageSize"] = page_size
    if status is not None:
        query["status"] = status
    return session.call(role, "GET", path, query=query)


def items_of(reply: Reply, operation: str) -> list[dict[str, Any]]:
    items = reply.member("items")
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise Disagreement(
            "Listing without items",
            f"{reply.describe()} without a list of items.",
            reply,
            operation=operation,
        )
    return items


def everything(
    session: Session,
    role: Role,
    *,
    status: str | None = None,
    path: str = "/messages",
    operation: str = LIST,
) -> tuple[list[dict[str, Any]], Reply]:
    """Every item of a collection (pages of the largest size), and the last reply."""
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        reply = listing(session, role, page=page, page_size=MAX_PAGE_SIZE, status=status, path=path)
        expect_status(
            reply,
            200,
            "Listing refused",
            "the caller may list its own collection",
            operation=operation,
        )
        found += items_of(reply, operation)
        pages = reply.member("pagination", "totalPages")
        if not isinstance(pages, int) or page >= min(pages, MAX_PAGES):
            return found, reply
        page += 1


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [str(item.get("id")) for item in items]


def total(
    session: Session, role: Role, path: str = "/messages", operation: str = LIST
) -> tuple[int, Reply]:
    reply = listing(session, role, page=1, page_size=1, path=path)
    expect_status(
        reply, 200, "Listing refused", "the caller may list its own collection", operation=operation
    )
    value = reply.member("pagination", "totalItems")
    if not isinstance(value, int):
        raise Disagreement(
            "Listing without totalItems",
            f"{reply.describe()} without pagination.totalItems.",
            reply,
            operation=operation,
        )
    return value, reply


def problem_shape(reply: Reply) -> tuple[Any, ...]:
    """What a refusal says, minus what legitimately varies (instance)."""
    body = reply.json()
    body = body if isinstance(body, dict) else {}
    return (reply.status, reply.media_type, body.get("type"), body.get("title"), body.get("detail"))


@contextlib.contextmanager
def subscription(
    session: Session, role: Role, callback: str, event_types: tuple[str, ...] | None = None
) -> Iterator[str]:
    """A subscription that must be created, deleted again when the block ends."""
    body: dict[str, Any] = {"callbackUrl": callback}
    if event_types:
        body["eventTypes"] = list(event_types)
    reply = session.call(role, "POST", "/subscriptions", body=body)
    expect_status(
        reply,
        201,
        "Valid subscription refused",
        f"{callback} is a valid callback URL",
        operation=SUBSCRIBE,
    )
    subscription_id = str(reply.member("id"))
    try:
        yield subscription_id
    finally:
        with contextlib.suppress(Exception):  # tidying up; the check's verdict stands
            session.ctx.http.send(
                "DELETE",
                session.url(f"/subscriptions/{subscription_id}"),
                headers=session.roles.headers(role),
            )


def delivery_exchange(delivery: Delivery, url: str) -> Exchange:
    """A delivery to the receiver as an exchange: the implementation's request, our answer."""
    return Exchange(
        SentRequest(
            method=delivery.method, url=url, headers=dict(delivery.headers), body=delivery.body
        ),
        ReceivedResponse(status=delivery.answered, headers={}, body=b""),
    )
