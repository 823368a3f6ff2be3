"""Times as the register stores them: ISO 8601 in UTC with a Z, to the second."""

from __future__ import annotations

import datetime as dt


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def now() -> str:
    return iso(dt.datetime.now(dt.UTC))


def parse(text: str) -> dt.datetime:
    """A stored or certificate time; naive times are taken as UTC."""
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def plus_days(text: str, days: int) -> str:
    return iso(parse(text) + dt.timedelta(days=days))
