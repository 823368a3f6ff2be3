"""Reading an ADR page-based pagination link: which page of which size it points at."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit


def page_of_link(href: Any) -> tuple[int | None, int | None]:
    """The ``page`` and ``pageSize`` in a link's query; None where absent or not a number."""
    if not isinstance(href, str):
        return None, None
    values = parse_qs(urlsplit(href).query)

    def number(name: str) -> int | None:
        items = values.get(name) or []
        return int(items[0]) if items and items[0].isdigit() else None

    return number("page"), number("pageSize")
