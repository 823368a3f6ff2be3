"""The register's own BSN rules: the 11-proef and how new numbers are allocated.

The harness has its own copy of the 11-proef (``conformance.client.identifiers``). The
duplication is deliberate: a reference implementation must not lean on the harness that judges
it, nor the harness on the implementation, so one shared mistake cannot make both agree.

Allocation scheme (documented because tests and users rely on it):

- New numbers come from the series that starts at 900000000: the candidate for sequence number
  ``n`` (0, 1, 2, ...) is the 8-digit prefix ``90000000 + n`` completed with its 11-proef check
  digit. A prefix without a check digit (its weighted sum is 10 mod 11) is skipped, and so is a
  number the register already holds (for instance a seeded one).
- The sequence number is stored in the database and advanced in the same transaction that
  registers the person, under SQLite's write lock, so concurrent declarations never get the same
  number and a fresh register always hands out the same numbers in the same order
  (900000004, 900000016, 900000028, ...). The primary key on the number is the last line of defence.
"""

from __future__ import annotations

import re
from collections.abc import Callable

WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)
SERIES_START = 90_000_000  # first 8-digit prefix of allocated numbers
SERIES_END = 99_999_999

_NINE_DIGITS = re.compile(r"[0-9]{9}")


def is_valid_bsn(value: str) -> bool:
    """9 digits passing the 11-proef, not all zeros."""
    if not _NINE_DIGITS.fullmatch(value) or value == "000000000":
        return False
    return sum(int(d) * w for d, w in zip(value, WEIGHTS, strict=True)) % 11 == 0


def complete(prefix: int) -> str | None:
    """The valid BSN that starts with this 8-digit prefix, or None when there is none."""
    digits = f"{prefix:08d}"
    check = sum(int(d) * w for d, w in zip(digits, WEIGHTS[:8], strict=False)) % 11
    if check == 10:
        return None
    candidate = digits + str(check)
    return candidate if is_valid_bsn(candidate) else None


class SeriesExhausted(RuntimeError):
    """No number is left in the allocation series."""


def allocate(sequence: int, is_taken: Callable[[str], bool]) -> tuple[str, int]:
    """The first free number at or after ``sequence``, and the sequence number to continue from."""
    while SERIES_START + sequence <= SERIES_END:
        candidate = complete(SERIES_START + sequence)
        sequence += 1
        if candidate is not None and not is_taken(candidate):
            return candidate, sequence
    raise SeriesExhausted("the BSN allocation series is exhausted")
