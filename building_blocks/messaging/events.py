"""CloudEvents 1.0 following the NL GOV profile, as sent to subscribers.

Events are informatie-arm: they say which message changed (``subject``) and where to fetch it
(``dataref``), never what it says or to whom it was sent; the subscriber fetches the message
with its own token.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

EVENT_PREFIX = "nl.gdi.messaging."
MESSAGE_RECEIVED = EVENT_PREFIX + "message-received"
MESSAGE_READ = EVENT_PREFIX + "message-read"
MESSAGE_DELETED = EVENT_PREFIX + "message-deleted"
EVENT_TYPES: tuple[str, ...] = (MESSAGE_RECEIVED, MESSAGE_READ, MESSAGE_DELETED)

CLOUDEVENTS_JSON = "application/cloudevents+json"
SYSTEM_NAME = "berichtenbox"


def utc_timestamp(moment: dt.datetime | None = None) -> str:
    """RFC 3339 in UTC with ``Z`` and microseconds: fixed width, so text order is time order."""
    moment = (moment or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def source_urn(operator_oin: str) -> str:
    return f"urn:nld:oin:{operator_oin}:systeem:{SYSTEM_NAME}"


def message_event(
    *, event_type: str, message_id: str, base_url: str, operator_oin: str
) -> dict[str, Any]:
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source_urn(operator_oin),
        "type": event_type,
        "time": utc_timestamp(),
        "subject": message_id,
        "dataref": f"{base_url}/messages/{message_id}",
    }
