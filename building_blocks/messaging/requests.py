"""Request bodies and headers, validated exactly as the spec describes them.

Validation is strict (no "true" for true, no 1 for "1") and unknown members are refused, so
what the spec calls invalid is a 400 and what it calls valid is accepted.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request

from building_blocks.common import InvalidParam, ProblemError, invalid_input, invalid_params_from
from building_blocks.messaging.events import EVENT_TYPES
from building_blocks.messaging.identifiers import REASONS, RECIPIENT_TYPES, is_valid_identifier

JSON = "application/json"
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9._:-]{16,128}")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
UUID_PATTERN = f"^{UUID.pattern}$"

_PORT = r"(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})"
# The spec's CallbackUrl pattern: http(s), a host name or IPv4 address, no user info, no fragment.
CALLBACK_URL = re.compile(
    r"https?://[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?"
    rf"(?::{_PORT})?"
    r"(?:/(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})*)?"
    r"(?:\?(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?"
)

_STRICT = ConfigDict(extra="forbid", strict=True)


class _Recipient(BaseModel):
    model_config = _STRICT
    identifier: str  # its form depends on the type: see ``check_recipient``


class BsnRecipient(_Recipient):
    type: Literal["bsn"]


class KvkRecipient(_Recipient):
    type: Literal["kvk"]


class OinRecipient(_Recipient):
    type: Literal["oin"]


Recipient = Annotated[BsnRecipient | KvkRecipient | OinRecipient, Field(discriminator="type")]


class NewMessage(BaseModel):
    model_config = _STRICT
    recipient: Recipient
    subject: Annotated[str, Field(min_length=1, max_length=200)]
    body: Annotated[str, Field(min_length=1, max_length=10000)]


class ReadStatus(BaseModel):
    model_config = _STRICT
    read: bool


EventType = Literal[
    "nl.gdi.messaging.message-received",
    "nl.gdi.messaging.message-read",
    "nl.gdi.messaging.message-deleted",
]


class NewSubscription(BaseModel):
    model_config = _STRICT
    callbackUrl: Annotated[str, Field(min_length=10, max_length=2048)]
    # Left out means every type; an explicit null is no array, so it is refused.
    eventTypes: Annotated[
        list[EventType],
        Field(min_length=1, max_length=3, default_factory=lambda: list(EVENT_TYPES)),
    ]


def _fail(params: Sequence[InvalidParam], detail: str | None = None) -> ProblemError:
    return invalid_input(params) if detail is None else invalid_input(params, detail)


async def read_json(request: Request, model: type[BaseModel]) -> Any:
    """The body as ``model``; 415 when it is not JSON, 400 naming each invalid member."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != JSON:
        raise ProblemError(
            415, "Unsupported Media Type", f"The request body must be {JSON}.", headers={}
        )
    raw = await request.body()
    try:
        return model.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        errors = [{**error, "loc": ("body", *_wire_loc(error["loc"]))} for error in exc.errors()]
        raise _fail(invalid_params_from(errors)) from None


def _wire_loc(loc: Sequence[int | str]) -> list[int | str]:
    """The location as the client wrote it: pydantic adds the union tag (``recipient.bsn.
    identifier``), which is no member of the JSON."""
    cleaned: list[int | str] = []
    for part in loc:
        if cleaned and cleaned[-1] == "recipient" and part in RECIPIENT_TYPES:
            continue
        cleaned.append(part)
    return cleaned


def idempotency_key(request: Request) -> str:
    value = request.headers.get("idempotency-key")
    if value is None:
        reason = "The Idempotency-Key header is required."
        raise _fail([InvalidParam("Idempotency-Key", "required", reason)])
    if not IDEMPOTENCY_KEY.fullmatch(value):
        reason = "16 to 128 characters: letters, digits, '.', '_', ':' or '-'."
        raise _fail([InvalidParam("Idempotency-Key", "pattern", reason)])
    return value


def check_recipient(message: NewMessage) -> None:
    recipient = message.recipient
    if not is_valid_identifier(recipient.type, recipient.identifier):
        raise _fail([InvalidParam("recipient.identifier", recipient.type, REASONS[recipient.type])])


def check_subscription(subscription: NewSubscription) -> list[str]:
    """The event types to subscribe to (all when none are named)."""
    if not CALLBACK_URL.fullmatch(subscription.callbackUrl):
        reason = "An absolute http or https URL with a host name or IPv4 address."
        raise _fail([InvalidParam("callbackUrl", "pattern", reason)])
    if len(set(subscription.eventTypes)) != len(subscription.eventTypes):
        raise _fail([InvalidParam("eventTypes", "uniqueItems", "An event type is named twice.")])
    return list(subscription.eventTypes)


def request_hash(message: NewMessage) -> str:
    """Same message, same hash, however the JSON was written (key order, spacing, escapes)."""
    canonical = json.dumps(message.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
