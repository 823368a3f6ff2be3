"""Behaviour of the inbox: whose messages a caller sees and what it may do with them.

Each check runs a short targeted scenario and then adds the verdict of the shared state
machine (``messaging_machine``) on its own kind of assertion.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from hypothesis import strategies as st

from conformance.client.reply import Reply
from conformance.engine.behaviour.base import (
    Disagreement,
    Session,
    behaviour_check,
    disagree_if,
    expect_status,
)
from conformance.engine.behaviour.explore import explore
from conformance.engine.behaviour.messaging_data import (
    CITIZEN,
    DELETE,
    GET,
    LIST,
    LIST_SUBSCRIPTIONS,
    MARK,
    MAX_PAGE_SIZE,
    NO_SUCH_ID,
    OTHER_CITIZEN,
    OTHER_ORGANISATION,
    PAGING_CITIZEN,
    SENDER,
    bsn_of,
    deleted,
    everything,
    ids,
    items_of,
    listing,
    marked_read,
    problem_shape,
    sent,
    subscription,
    to_citizen,
)
from conformance.engine.behaviour.messaging_machine import (
    DELETE_EFFECTIVE,
    FOREIGN,
    MARK_READ,
    OWN_INBOX,
    report_machine,
)
from conformance.engine.behaviour.paging import page_of_link
from conformance.engine.behaviour.registries_data import total_pages

UTC_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")


@behaviour_check("bb:messaging:own-inbox")
def own_inbox(session: Session) -> None:
    mine, _ = sent(session, to_citizen(session, CITIZEN))
    theirs, _ = sent(session, to_citizen(session, OTHER_CITIZEN))
    for who, own, other in ((CITIZEN, mine, theirs), (OTHER_CITIZEN, theirs, mine)):
        items, reply = everything(session, who)
        listed = ids(items)
        if own not in listed or other in listed:
            raise Disagreement(
                "An inbox does not hold exactly its owner's messages",
                f"{who.name}'s inbox {'lacks its own message ' + own if own not in listed else ''}"
                f"{'holds the other citizen message ' + other if other in listed else ''}.",
                reply,
                operation=LIST,
            )
        session.findings.passed(LIST, reply)
    bsn = bsn_of(session, CITIZEN)
    page = listing(session, CITIZEN, page=1, page_size=20)
    for item in items_of(page, LIST):
        read = session.call(CITIZEN, "GET", f"/messages/{item.get('id')}")
        expect_status(
            read,
            200,
            "A listed message cannot be read",
            "it is in the caller's inbox",
            operation=GET,
        )
        if read.member("recipient") != {"type": "bsn", "identifier": bsn}:
            raise Disagreement(
                "The inbox lists a message addressed to someone else",
                f"{read.describe()}: the message listed in {CITIZEN.name}'s inbox is addressed to "
                f"{read.member('recipient')}.",
                read,
                operation=LIST,
            )
    session.findings.passed(LIST, page)
    report_machine(session, OWN_INBOX)


@behaviour_check("bb:messaging:foreign-message-404")
def foreign_message_404(session: Session) -> None:
    message_id, _ = sent(session, to_citizen(session, CITIZEN))
    attempts: list[tuple[str, str, Any, str]] = [
        ("GET", "", None, GET),
        ("PUT", "/read-status", {"read": True}, MARK),
        ("DELETE", "", None, DELETE),
    ]
    for role in (OTHER_CITIZEN, OTHER_ORGANISATION):
        for method, suffix, body, operation in attempts:
            if role is OTHER_ORGANISATION and method != "GET":
                continue  # an organisation token has no messaging:read: a 403 would be right
            probe = session.call(role, method, f"/messages/{message_id}{suffix}", body=body)
            unknown = session.call(role, method, f"/messages/{NO_SUCH_ID}{suffix}", body=body)
            if probe.status != 404 or problem_shape(probe) != problem_shape(unknown):
                raise Disagreement(
                    "Another party's message is not indistinguishable from a missing one",
                    f"{probe.describe()} as {role.name} for a message addressed to {CITIZEN.name}; "
                    f"an unknown id answered {unknown.status}. Both must be the same 404.",
                    probe,
                    operation=operation,
                )
            session.findings.passed(operation, probe)
    kept = session.call(CITIZEN, "GET", f"/messages/{message_id}")
    if kept.status != 200 or kept.member("status") != "unread":
        raise Disagreement(
            "Another citizen's attempt changed the message",
            f"{kept.describe()} with status {kept.member('status')!r} after another citizen tried "
            "to mark and delete it.",
            kept,
            operation=DELETE,
        )
    report_machine(session, FOREIGN)


@behaviour_check("bb:messaging:recipient-only-actions")
def recipient_only_actions(session: Session) -> None:
    message_id, _ = sent(session, to_citizen(session, CITIZEN))
    seen = session.call(SENDER, "GET", f"/messages/{message_id}")
    expect_status(
        seen,
        200,
        "The sender cannot read its message",
        "the sender reads the messages it sent",
        operation=GET,
    )
    session.findings.passed(GET, seen)
    for method, suffix, body, operation in (
        ("PUT", "/read-status", {"read": True}, MARK),
        ("DELETE", "", None, DELETE),
    ):
        reply = session.call(SENDER, method, f"/messages/{message_id}{suffix}", body=body)
        expect_status(
            reply,
            403,
            "The sender acted for the recipient",
            "only the recipient marks or deletes a message",
            operation=operation,
        )
        session.findings.passed(operation, reply)
    kept = session.call(CITIZEN, "GET", f"/messages/{message_id}")
    if kept.status != 200 or kept.member("status") != "unread":
        raise Disagreement(
            "A refused action of the sender changed the message",
            f"{kept.describe()} with status {kept.member('status')!r} after the sender's refused "
            "mark and delete.",
            kept,
            operation=MARK,
        )
    marked_read(
        session,
        message_id,
        title="The recipient cannot mark its message",
        expectation="the recipient marks its own messages",
    )
    gone = deleted(
        session,
        message_id,
        title="The recipient cannot delete its message",
        expectation="the recipient deletes its own messages",
    )
    session.findings.passed(DELETE, gone)


@behaviour_check("bb:messaging:mark-read")
def mark_read(session: Session) -> None:
    message_id, _ = sent(session, to_citizen(session, CITIZEN))
    path = f"/messages/{message_id}/read-status"
    read_at = _marked_once(session, path)
    _mark_is_idempotent(session, message_id, path, read_at)
    unread = session.call(CITIZEN, "PUT", path, body={"read": False})
    expect_status(
        unread,
        200,
        "Marking unread refused",
        "the recipient may mark a message unread again",
        operation=MARK,
    )
    if unread.member("status") != "unread" or unread.member("readAt") is not None:
        raise Disagreement(
            "Marked unread without status unread and readAt null",
            f"{unread.describe()} with status {unread.member('status')!r} and readAt "
            f"{unread.member('readAt')!r}.",
            unread,
            operation=MARK,
        )
    unread_items, listed = everything(session, CITIZEN, status="unread")
    read_items, _ = everything(session, CITIZEN, status="read")
    if message_id not in ids(unread_items) or message_id in ids(read_items):
        raise Disagreement(
            "The status filter disagrees with the mark",
            f"After marking {message_id} unread it is "
            f"{'not ' if message_id not in ids(unread_items) else ''}in the unread listing and "
            f"{'' if message_id in ids(read_items) else 'not '}in the read listing.",
            listed,
            operation=LIST,
        )
    session.findings.passed(MARK, unread)
    report_machine(session, MARK_READ)


def _marked_once(session: Session, path: str) -> str:
    """Mark read: status read and a UTC readAt; the readAt."""
    first = session.call(CITIZEN, "PUT", path, body={"read": True})
    expect_status(
        first, 200, "Marking read refused", "the recipient marks its own message", operation=MARK
    )
    read_at = first.member("readAt")
    if (
        first.member("status") != "read"
        or not isinstance(read_at, str)
        or not UTC_TIME.match(read_at)
    ):
        raise Disagreement(
            "Marked read without status read and a UTC readAt",
            f"{first.describe()} with status {first.member('status')!r} and readAt {read_at!r}.",
            first,
            operation=MARK,
        )
    return read_at


def _mark_is_idempotent(session: Session, message_id: str, path: str, read_at: str) -> None:
    """Marking read again keeps the first readAt, and reading the message shows it."""
    again = session.call(CITIZEN, "PUT", path, body={"read": True})
    expect_status(
        again, 200, "Marking read twice refused", "marking read is idempotent", operation=MARK
    )
    if again.member("status") != "read" or again.member("readAt") != read_at:
        raise Disagreement(
            "Marking read again is not idempotent",
            f"{again.describe()} with readAt {again.member('readAt')!r}; the first mark gave "
            f"{read_at!r}.",
            again,
            operation=MARK,
        )
    shown = session.call(CITIZEN, "GET", f"/messages/{message_id}")
    if shown.member("status") != "read" or shown.member("readAt") != read_at:
        raise Disagreement(
            "The mark did not stick",
            f"{shown.describe()} with status {shown.member('status')!r} and readAt "
            f"{shown.member('readAt')!r} after marking it read at {read_at}.",
            shown,
            operation=MARK,
        )


@behaviour_check("bb:messaging:delete-effective")
def delete_effective(session: Session) -> None:
    message_id, _ = sent(session, to_citizen(session, CITIZEN))
    deleted(session, message_id)
    for role, method, suffix, body, operation in (
        (CITIZEN, "GET", "", None, GET),
        (SENDER, "GET", "", None, GET),
        (CITIZEN, "PUT", "/read-status", {"read": True}, MARK),
        (CITIZEN, "DELETE", "", None, DELETE),
    ):
        reply = session.call(role, method, f"/messages/{message_id}{suffix}", body=body)
        expect_status(
            reply,
            404,
            "A deleted message is still there",
            f"the message was deleted, so {method} as {role.name} is 404",
            operation=operation,
        )
        session.findings.passed(operation, reply)
    items, listed = everything(session, CITIZEN)
    if message_id in ids(items):
        raise Disagreement(
            "A deleted message is still listed",
            f"{listed.describe()} still listing {message_id} after its deletion.",
            listed,
            operation=LIST,
        )
    session.findings.passed(LIST, listed)
    report_machine(session, DELETE_EFFECTIVE)


def page_problems(reply: Reply, page: int, size: int, count: int, operation: str) -> list[str]:
    meta = reply.member("pagination")
    if not isinstance(meta, dict):
        return ["pagination is missing"]
    pages = total_pages(count, size)
    problems = [
        f"pagination.{name} is {meta.get(name)!r}, expected {value}"
        for name, value in (
            ("page", page),
            ("pageSize", size),
            ("totalItems", count),
            ("totalPages", pages),
        )
        if meta.get(name) != value
    ]
    held = len(items_of(reply, operation))
    wanted = max(min(size, count - (page - 1) * size), 0)
    if held != wanted:
        problems.append(f"page {page} holds {held} items, expected {wanted}")
    links = reply.member("links") or {}
    expected = {"self": page, "first": 1, "last": max(pages, 1)}
    if page < pages:
        expected["next"] = page + 1
    if 1 < page <= pages:
        expected["prev"] = page - 1
    for name, target in expected.items():
        if page_of_link((links.get(name) or {}).get("href")) != (target, size):
            problems.append(
                f"the {name} link is {links.get(name)!r}, expected page {target} of size {size}"
            )
    if page >= pages and "next" in links:
        problems.append("a next link on the last page")
    if page == 1 and "prev" in links:
        problems.append("a prev link on the first page")
    return problems


def judge_paging(
    session: Session,
    role: Any,
    path: str,
    operation: str,
    size: int,
    order_key: str,
    status: str | None = None,
) -> None:
    reference, large = everything(session, role, path=path, operation=operation, status=status)
    order = ids(reference)
    expected_order = ids(
        sorted(
            sorted(reference, key=lambda item: str(item.get("id"))),
            key=lambda item: str(item.get(order_key)),
            reverse=True,
        )
    )
    if order != expected_order:
        raise Disagreement(
            "Items not in the documented order",
            f"{large.describe()}: not ordered by {order_key} descending, then id ascending.",
            large,
            operation=operation,
        )
    seen: list[str] = []
    pages = total_pages(len(order), size)
    reply = large
    for page in range(1, pages + 2):  # one past the last: an empty page
        reply = listing(session, role, page=page, page_size=size, path=path, status=status)
        expect_status(
            reply,
            200,
            "A page was refused",
            f"page {page} of size {size} is in range",
            operation=operation,
        )
        problems = page_problems(reply, page, size, len(order), operation)
        disagree_if(
            problems,
            "Page metadata or content does not add up",
            f"{path} pageSize={size} page {page}",
            reply,
            operation=operation,
        )
        seen += ids(items_of(reply, operation))
    if seen != order:
        raise Disagreement(
            "The pages do not hold every item exactly once, in order",
            f"{path} pageSize={size}: pages gave {seen}, one large page {order}.",
            reply,
            operation=operation,
        )
    session.findings.passed(operation, reply)


@behaviour_check("bb:messaging:pagination")
def pagination(session: Session) -> None:
    for _ in range(5):
        sent(session, to_citizen(session, PAGING_CITIZEN, "Bladzijde"))
    for page, size in ((0, None), (None, 0), (None, MAX_PAGE_SIZE + 1)):
        for role, path, operation in (
            (PAGING_CITIZEN, "/messages", LIST),
            (SENDER, "/subscriptions", LIST_SUBSCRIPTIONS),
        ):
            reply = listing(session, role, page=page, page_size=size, path=path)
            given = f"page={page}" if page is not None else f"pageSize={size}"
            expect_status(
                reply,
                400,
                "Out-of-range paging accepted",
                f"{given} is out of range",
                operation=operation,
            )
            session.findings.passed(operation, reply)

    def scenario(drawn: tuple[int, str | None]) -> None:
        size, status = drawn
        judge_paging(session, PAGING_CITIZEN, "/messages", LIST, size, "sentAt", status)

    explore(
        session, st.tuples(st.integers(1, 4), st.sampled_from([None, None, "unread"])), scenario
    )
    nowhere = "http://127.0.0.1:9/gdi-conformance/paging"  # never called: SENDER sends nothing now
    with contextlib.ExitStack() as stack:
        for _ in range(3):
            stack.enter_context(subscription(session, SENDER, nowhere))
        judge_paging(session, SENDER, "/subscriptions", LIST_SUBSCRIPTIONS, 2, "createdAt")
