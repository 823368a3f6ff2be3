"""The messaging operations (routes relative to the base path ``/messaging/v1``).

Authorisation order, the same on every operation: a valid token (401), the scope (403), then
the input (400), then whether the caller may see the resource at all (404). A message that is
neither addressed to the caller nor sent by it does not exist for the caller: 404, the answer
for an unknown id, so nobody can probe for other people's messages.
"""

# No ``from __future__ import annotations``: FastAPI must see the real types of the
# dependencies that are defined inside the route builders.
import math
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from building_blocks.common import AccessToken, ProblemError, TokenVerifier
from building_blocks.messaging.delivery import DeliveryWorker
from building_blocks.messaging.principal import (
    SCOPE_READ,
    SCOPE_SEND,
    SCOPE_SUBSCRIBE,
    Party,
    Principal,
)
from building_blocks.messaging.requests import (
    UUID_PATTERN,
    NewMessage,
    NewSubscription,
    ReadStatus,
    check_recipient,
    check_subscription,
    idempotency_key,
    read_json,
    request_hash,
)
from building_blocks.messaging.store import (
    MAX_SUBSCRIPTIONS_PER_ORGANISATION,
    MessageStore,
    SendOutcome,
    message_view,
    subscription_view,
)

MessageId = Annotated[str, Path(alias="messageId", pattern=UUID_PATTERN)]
SubscriptionId = Annotated[str, Path(alias="subscriptionId", pattern=UUID_PATTERN)]
Page = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(alias="pageSize", ge=1, le=100)]
StatusFilter = Annotated[Literal["unread", "read"] | None, Query()]


Authenticate = Callable[[Request], Awaitable[Principal]]


def build_router(
    *, store: MessageStore, verifier: TokenVerifier, worker: DeliveryWorker
) -> APIRouter:
    router = APIRouter()

    async def principal(request: Request) -> Principal:
        token: AccessToken = await verifier.authenticate(request)
        return Principal.from_claims(token.claims)

    _add_message_routes(router, store=store, worker=worker, principal=principal)
    _add_single_message_routes(router, store=store, worker=worker, principal=principal)
    _add_subscription_routes(router, store=store, principal=principal)
    return router


def _not_found(what: str) -> ProblemError:
    return ProblemError(404, "Not Found", f"No {what} with this id.")


def _visible_message(store: MessageStore, caller: Principal, message_id: str) -> tuple[Any, bool]:
    """The message and whether the caller is its recipient; 404 if it may not see it."""
    row = store.get_message(message_id)
    if row is None:
        raise _not_found("message")
    recipient = Party(row["recipient_type"], row["recipient_id"])
    is_recipient = SCOPE_READ in caller.scopes and caller.inbox == recipient
    is_sender = SCOPE_SEND in caller.scopes and caller.organisation == row["sender_oin"]
    if not (is_recipient or is_sender):
        raise _not_found("message")
    return row, is_recipient


def _recipient_only(store: MessageStore, caller: Principal, message_id: str, action: str) -> None:
    _, is_recipient = _visible_message(store, caller, message_id)
    if not is_recipient:
        raise ProblemError(403, "Forbidden", f"Only the recipient may {action} a message.")


def _add_message_routes(
    router: APIRouter, *, store: MessageStore, worker: DeliveryWorker, principal: Authenticate
) -> None:
    Caller = Annotated[Principal, Depends(principal)]
    base_url = store.base_url

    @router.post("/messages")
    async def send_message(request: Request, caller: Caller) -> Response:
        caller.require_scope(SCOPE_SEND)
        sender = caller.require_organisation()
        key = idempotency_key(request)
        message: NewMessage = await read_json(request, NewMessage)
        check_recipient(message)
        result = store.send(
            sender_oin=sender,
            idempotency_key=key,
            request_hash=request_hash(message),
            recipient=Party(message.recipient.type, message.recipient.identifier),
            subject=message.subject,
            body=message.body,
            now=time.time(),
        )
        if result.outcome is SendOutcome.CONFLICT:
            raise ProblemError(
                409,
                "Conflict",
                "This Idempotency-Key was already used for a different message; nothing was sent.",
            )
        assert result.message is not None
        if result.outcome is SendOutcome.CREATED:
            worker.wake()
        status = 201 if result.outcome is SendOutcome.CREATED else 200
        location = f"{base_url}/messages/{result.message['id']}"
        return JSONResponse(result.message, status_code=status, headers={"Location": location})

    @router.get("/messages")
    async def list_messages(
        request: Request,
        caller: Caller,
        page: Page = 1,
        page_size: PageSize = 20,
        status: StatusFilter = None,
    ) -> Response:
        caller.require_scope(SCOPE_READ)
        owner = caller.require_inbox()
        rows, total = store.list_inbox(owner, status=status, page=page, page_size=page_size)
        extra: dict[str, str] = {"status": status} if status else {}
        body = paged(
            [message_view(row, summary=True) for row in rows],
            request.url.path,
            page=page,
            page_size=page_size,
            total=total,
            extra=extra,
        )
        return JSONResponse(body)


def _add_single_message_routes(
    router: APIRouter, *, store: MessageStore, worker: DeliveryWorker, principal: Authenticate
) -> None:
    Caller = Annotated[Principal, Depends(principal)]

    @router.get("/messages/{messageId}")
    async def get_message(message_id: MessageId, caller: Caller) -> Response:
        caller.require_scope(SCOPE_READ, SCOPE_SEND)
        row, _ = _visible_message(store, caller, message_id)
        return JSONResponse(message_view(row))

    @router.put("/messages/{messageId}/read-status")
    async def mark_message_read(
        message_id: MessageId, request: Request, caller: Caller
    ) -> Response:
        caller.require_scope(SCOPE_READ)
        wanted: ReadStatus = await read_json(request, ReadStatus)
        _recipient_only(store, caller, message_id, "mark")
        row = store.set_read(message_id, wanted.read, now=time.time())
        if row is None:  # deleted meanwhile
            raise _not_found("message")
        worker.wake()
        return JSONResponse(message_view(row))

    @router.delete("/messages/{messageId}")
    async def delete_message(message_id: MessageId, caller: Caller) -> Response:
        caller.require_scope(SCOPE_READ)
        _recipient_only(store, caller, message_id, "delete")
        if not store.delete_message(message_id, now=time.time()):
            raise _not_found("message")
        worker.wake()
        return Response(status_code=204)


def _add_subscription_routes(
    router: APIRouter, *, store: MessageStore, principal: Authenticate
) -> None:
    Caller = Annotated[Principal, Depends(principal)]
    base_url = store.base_url

    @router.post("/subscriptions")
    async def create_subscription(request: Request, caller: Caller) -> Response:
        caller.require_scope(SCOPE_SUBSCRIBE)
        owner = caller.require_organisation()
        wanted: NewSubscription = await read_json(request, NewSubscription)
        event_types = check_subscription(wanted)
        row = store.create_subscription(owner, wanted.callbackUrl, event_types)
        if row is None:
            raise ProblemError(
                409,
                "Conflict",
                f"An organisation holds at most {MAX_SUBSCRIPTIONS_PER_ORGANISATION} "
                "subscriptions; delete one first.",
            )
        location = f"{base_url}/subscriptions/{row['id']}"
        return JSONResponse(subscription_view(row), status_code=201, headers={"Location": location})

    @router.get("/subscriptions")
    async def list_subscriptions(
        request: Request, caller: Caller, page: Page = 1, page_size: PageSize = 20
    ) -> Response:
        caller.require_scope(SCOPE_SUBSCRIBE)
        owner = caller.require_organisation()
        rows, total = store.list_subscriptions(owner, page=page, page_size=page_size)
        body = paged(
            [subscription_view(row) for row in rows],
            request.url.path,
            page=page,
            page_size=page_size,
            total=total,
        )
        return JSONResponse(body)

    @router.get("/subscriptions/{subscriptionId}")
    async def get_subscription(subscription_id: SubscriptionId, caller: Caller) -> Response:
        caller.require_scope(SCOPE_SUBSCRIBE)
        owner = caller.require_organisation()
        row = store.get_subscription(subscription_id, owner)
        if row is None:
            raise _not_found("subscription")
        return JSONResponse(subscription_view(row))

    @router.delete("/subscriptions/{subscriptionId}")
    async def delete_subscription(subscription_id: SubscriptionId, caller: Caller) -> Response:
        caller.require_scope(SCOPE_SUBSCRIBE)
        owner = caller.require_organisation()
        if not store.delete_subscription(subscription_id, owner):
            raise _not_found("subscription")
        return Response(status_code=204)


def paged(
    items: list[dict[str, Any]],
    path: str,
    *,
    page: int,
    page_size: int,
    total: int,
    extra: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One page in the ADR page-based style: items, where the page sits, links to its neighbours."""
    total_pages = math.ceil(total / page_size)

    def link(number: int) -> dict[str, str]:
        query = urlencode({"page": number, "pageSize": page_size, **(extra or {})})
        return {"href": f"{path}?{query}"}

    links = {"self": link(page), "first": link(1), "last": link(max(total_pages, 1))}
    if page > 1:
        links["prev"] = link(min(page - 1, max(total_pages, 1)))
    if page < total_pages:
        links["next"] = link(page + 1)
    return {
        "items": items,
        "pagination": {
            "page": page,
            "pageSize": page_size,
            "totalItems": total,
            "totalPages": total_pages,
        },
        "links": links,
    }
