"""The identifiers a message can be addressed to, and how each one is validated.

A BSN must pass the 11-proef; KvK numbers (8 digits) and OINs (20 digits) carry no check digit
that is still in force, so their form is all that can be checked.
"""

from __future__ import annotations

import re

RECIPIENT_TYPES: tuple[str, ...] = ("bsn", "kvk", "oin")

_BSN = re.compile(r"[0-9]{9}")
_KVK = re.compile(r"[0-9]{8}")
_OIN = re.compile(r"[0-9]{20}")
_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def is_valid_bsn(value: str) -> bool:
    """Nine digits whose weighted sum (9..2, then -1) is divisible by 11; all zeros is no BSN."""
    if not _BSN.fullmatch(value) or value == "000000000":
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value, _BSN_WEIGHTS, strict=True))
    return total % 11 == 0


def is_valid_kvk(value: str) -> bool:
    return bool(_KVK.fullmatch(value))


def is_valid_oin(value: str) -> bool:
    return bool(_OIN.fullmatch(value))


_VALIDATORS = {"bsn": is_valid_bsn, "kvk": is_valid_kvk, "oin": is_valid_oin}

REASONS = {
    "bsn": "Not a valid BSN: 9 digits that pass the 11-proef.",
    "kvk": "Not a valid KvK number: 8 digits.",
    "oin": "Not a valid OIN: 20 digits.",
}


def is_valid_identifier(kind: str, value: str) -> bool:
    validator = _VALIDATORS.get(kind)
    return validator is not None and validator(value)
