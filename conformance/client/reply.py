"""A reply the harness received while acting as one of its roles: the exchange, and the
status, headers and JSON members a check or a life-event step reads from it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from conformance.httplimits import Exchange


@dataclass(slots=True)
class Reply:
    exchange: Exchange
    role: str | None

    @property
    def status(self) -> int:
        assert self.exchange.response is not None
        return self.exchange.response.status

    def header(self, name: str) -> str | None:
        assert self.exchange.response is not None
        return self.exchange.response.header(name)

    @property
    def media_type(self) -> str:
        assert self.exchange.response is not None
        return self.exchange.response.media_type

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        assert self.exchange.response is not None
        try:
            return json.loads(self.exchange.response.body)
        except (UnicodeDecodeError, ValueError):
            return None

    def member(self, *path: str | int) -> Any:
        """A value inside the JSON body (None when absent)."""
        value = self.json()
        for step in path:
            if (
                isinstance(step, int)
                and isinstance(value, list)
                and -len(value) <= step < len(value)
            ):
                value = value[step]
            elif isinstance(step, str) and isinstance(value, dict):
                value = value.get(step)
            else:
                return None
        return value

    def describe(self) -> str:
        sent = self.exchange.request
        return f"{sent.method} {sent.url} answered {self.status}"
