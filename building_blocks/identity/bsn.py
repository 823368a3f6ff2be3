"""The BSN 11-proef, which the test login uses to accept only well-formed synthetic BSNs.

The block keeps its own copy of this public rule: reference implementations do not import the
harness that judges them (ARCHITECTURE.md).
"""

from __future__ import annotations

_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def is_valid_bsn(value: str) -> bool:
    """Nine digits, not all zeros, whose weighted sum is divisible by 11."""
    if len(value) != 9 or not value.isascii() or not value.isdigit() or value == "000000000":
        return False
    return sum(int(digit) * weight for digit, weight in zip(value, _WEIGHTS, strict=True)) % 11 == 0
