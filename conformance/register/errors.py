"""A request the register refuses: the HTTP status and, in plain words, what and why."""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        invalid_params: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.invalid_params = invalid_params or []
