"""The languages of the HTML report and the overview: English and Dutch.

The templates mark their texts with ``_()`` (Jinja2's i18n extension); the message catalogue
of a language (``templates/messages.<lang>.json``) maps each English text to its translation.
English needs no catalogue: a text missing from a catalogue stays English, never empty.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

LANGUAGES = ("en", "nl")
DEFAULT_LANGUAGE = "en"
MONTHS = {
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    "nl": (
        "januari", "februari", "maart", "april", "mei", "juni",
        "juli", "augustus", "september", "oktober", "november", "december",
    ),
}  # fmt: skip


@cache
def catalogue(language: str) -> Mapping[str, str]:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose from {', '.join(LANGUAGES)}")
    if language == "en":
        return {}
    source = resources.files("conformance.reports") / "templates" / f"messages.{language}.json"
    messages: dict[str, str] = json.loads(source.read_text(encoding="utf-8"))
    return messages


@dataclass(frozen=True, slots=True)
class Translator:
    language: str = DEFAULT_LANGUAGE

    def gettext(self, message: str) -> str:
        return catalogue(self.language).get(message, message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self.gettext(singular if count == 1 else plural)

    def when(self, iso: str) -> str:
        """``2025-05-01T10:00:00.000Z`` as ``1 May 2025, 10:00:00 UTC`` (``1 mei 2025`` in
        Dutch); a text that is not ISO 8601 as given."""
        try:
            moment = dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(dt.UTC)
        except ValueError:
            return iso
        month = MONTHS[self.language][moment.month - 1]
        return f"{moment.day} {month} {moment.year}, {moment:%H:%M:%S} UTC"

    def seconds(self, value: float | None) -> str:
        if value is None:
            return self.gettext("no limit")
        if value < 60:
            return f"{value:.1f} s"
        minutes, seconds = divmod(round(value), 60)
        return f"{minutes} min {seconds} s"
