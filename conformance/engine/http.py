"""The engine's HTTP client: the bounded client of ``conformance.httplimits``."""

from conformance.httplimits import (
    MAX_JSON_DEPTH,
    USER_AGENT,
    Exchange,
    HttpClient,
    ReceivedResponse,
    SentRequest,
    Watchdog,
    json_depth,
    looks_like_json,
    too_deep,
)

__all__ = [
    "MAX_JSON_DEPTH",
    "USER_AGENT",
    "Exchange",
    "HttpClient",
    "ReceivedResponse",
    "SentRequest",
    "Watchdog",
    "json_depth",
    "looks_like_json",
    "too_deep",
]
