"""Dutch identifiers as the harness reads them: validators (the strategies that draw them are
``conformance.engine.generation.identifiers``).

The harness judges implementations, so it keeps its own copy of these rules instead of importing
the reference building blocks (ARCHITECTURE.md): an error shared by both would otherwise pass
unnoticed. The rules themselves are public:

- BSN (burgerservicenummer) and RSIN: 9 digits passing the 11-proef, i.e.
  ``9*d1 + 8*d2 + ... + 2*d8 - 1*d9`` is divisible by 11, and not all zeros.
- Postcode: four digits not starting with 0, then two capital letters (``1234AB``), as the
  BRP API writes it (no space).
- KvK number (Kamer van Koophandel): 8 digits.
- OIN (Organisatie-identificatienummer): 20 digits.
"""

from __future__ import annotations

import re

__all__ = [
    "BSN_WEIGHTS",
    "POSTCODE",
    "bsn_check_digit",
    "is_valid_bsn",
    "is_valid_kvk",
    "is_valid_oin",
    "is_valid_postcode",
]

BSN_WEIGHTS: tuple[int, ...] = (9, 8, 7, 6, 5, 4, 3, 2, -1)

_NINE_DIGITS = re.compile(r"[0-9]{9}")
POSTCODE = re.compile(r"[1-9][0-9]{3}[A-Z]{2}")
_KVK = re.compile(r"[0-9]{8}")
_OIN = re.compile(r"[0-9]{20}")


def _elfproef_sum(digits: str) -> int:
    return sum(int(digit) * weight for digit, weight in zip(digits, BSN_WEIGHTS, strict=True))


def is_valid_bsn(value: object) -> bool:
    """True for a 9-digit string that passes the 11-proef and is not all zeros."""
    if not isinstance(value, str) or not _NINE_DIGITS.fullmatch(value):
        return False
    return value != "000000000" and _elfproef_sum(value) % 11 == 0


def bsn_check_digit(prefix: str) -> int | None:
    """The last digit that makes ``prefix`` (8 digits) a valid BSN, or None if none does.

    A prefix whose weighted sum is 10 (mod 11) would need a check digit of 10, so it starts no
    valid BSN at all: roughly one prefix in eleven.
    """
    if len(prefix) != 8 or not prefix.isdigit():
        raise ValueError("a BSN prefix is 8 digits")
    partial = sum(int(d) * w for d, w in zip(prefix, BSN_WEIGHTS[:8], strict=True)) % 11
    if partial == 10:
        return None
    candidate = prefix + str(partial)
    return partial if is_valid_bsn(candidate) else None


def is_valid_postcode(value: object) -> bool:
    return isinstance(value, str) and POSTCODE.fullmatch(value) is not None


def is_valid_kvk(value: object) -> bool:
    return isinstance(value, str) and _KVK.fullmatch(value) is not None


def is_valid_oin(value: object) -> bool:
    return isinstance(value, str) and _OIN.fullmatch(value) is not None
