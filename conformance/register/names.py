"""Vendor and product names become URL segments (slugs); names that try path tricks are refused.

A slug is lowercase ASCII letters, digits and single hyphens, so ``/badges/<vendor>/<product>/``
can never point outside its place whatever a certificate names.
"""

from __future__ import annotations

import re
import unicodedata

MAX_NAME = 100
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class NameRefused(ValueError):
    """A vendor or product name the register will not take; the message says why."""


def slug_of(name: str, what: str) -> str:
    """The URL segment for ``name``; raises ``NameRefused`` for names that are path tricks."""
    if not isinstance(name, str) or not name.strip():
        raise NameRefused(f"the {what} name is empty")
    if len(name) > MAX_NAME:
        raise NameRefused(f"the {what} name is longer than {MAX_NAME} characters")
    if any(unicodedata.category(char).startswith("C") for char in name):
        raise NameRefused(f"the {what} name {name!r} contains control characters")
    if "/" in name or "\\" in name or ".." in name or name.strip().startswith("."):
        raise NameRefused(f"the {what} name {name!r} contains a path separator or '..'")
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:64].strip("-")
    if not slug:
        raise NameRefused(f"the {what} name {name!r} has no letters or digits")
    return slug


def is_slug(text: str) -> bool:
    return len(text) <= 64 and _SLUG.match(text) is not None
