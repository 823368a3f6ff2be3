"""Dutch identifiers as the harness sees them: validators and Hypothesis strategies.

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

from hypothesis import strategies as st

__all__ = [
    "BSN_WEIGHTS",
    "bsn_check_digit",
    "geslachtsnamen",
    "invalid_bsns",
    "invalid_postcodes",
    "is_valid_bsn",
    "is_valid_kvk",
    "is_valid_oin",
    "is_valid_postcode",
    "kvk_numbers",
    "oins",
    "postcodes",
    "valid_bsns",
    "voornamen",
]

BSN_WEIGHTS: tuple[int, ...] = (9, 8, 7, 6, 5, 4, 3, 2, -1)

_NINE_DIGITS = re.compile(r"[0-9]{9}")
_POSTCODE = re.compile(r"[1-9][0-9]{3}[A-Z]{2}")
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
    return isinstance(value, str) and _POSTCODE.fullmatch(value) is not None


def is_valid_kvk(value: object) -> bool:
    return isinstance(value, str) and _KVK.fullmatch(value) is not None


def is_valid_oin(value: object) -> bool:
    return isinstance(value, str) and _OIN.fullmatch(value) is not None


_DIGITS = "0123456789"


@st.composite
def valid_bsns(draw: st.DrawFn) -> str:
    """Any valid BSN: a random 8-digit prefix completed with its check digit."""
    while True:
        prefix = draw(st.text(alphabet=_DIGITS, min_size=8, max_size=8))
        digit = bsn_check_digit(prefix)
        if digit is not None:
            return prefix + str(digit)
        # A prefix with no check digit: nudge the last digit and try again (always terminates:
        # of any ten consecutive last digits, at most one leaves a sum of 10 mod 11).
        prefix = prefix[:7] + str((int(prefix[7]) + 1) % 10)
        digit = bsn_check_digit(prefix)
        if digit is not None:
            return prefix + str(digit)


@st.composite
def _nine_digits_failing_elfproef(draw: st.DrawFn) -> str:
    value = draw(st.text(alphabet=_DIGITS, min_size=9, max_size=9))
    if is_valid_bsn(value):
        # Changing only the check digit by one always breaks the 11-proef.
        value = value[:8] + str((int(value[8]) + 1) % 10)
    return value


def invalid_bsns(*, well_formed_only: bool = False) -> st.SearchStrategy[str]:
    """Strings that are not valid BSNs.

    ``well_formed_only``: only 9-digit strings that fail the 11-proef (the hard case: they match
    the spec's pattern ``^[0-9]{9}$`` yet name no possible person). Otherwise also wrong lengths
    and non-digits.
    """
    failing = _nine_digits_failing_elfproef() | st.just("000000000")
    if well_formed_only:
        return failing
    wrong_length = st.text(alphabet=_DIGITS, max_size=12).filter(lambda s: len(s) != 9)
    not_digits = st.text(min_size=9, max_size=9).filter(
        lambda s: not s.isascii() or not s.isdigit()
    )
    return failing | wrong_length | not_digits


def postcodes() -> st.SearchStrategy[str]:
    return st.from_regex(_POSTCODE, fullmatch=True)


def invalid_postcodes() -> st.SearchStrategy[str]:
    """Near misses: a leading zero, lower-case letters, a space, too short, or anything else."""
    near_misses = st.one_of(
        st.from_regex(r"0[0-9]{3}[A-Z]{2}", fullmatch=True),
        st.from_regex(r"[1-9][0-9]{3}[a-z]{2}", fullmatch=True),
        st.from_regex(r"[1-9][0-9]{3} [A-Z]{2}", fullmatch=True),
        st.from_regex(r"[1-9][0-9]{2}[A-Z]{2}", fullmatch=True),
    )
    return near_misses | st.text(max_size=8).filter(lambda s: not is_valid_postcode(s))


_NAME_PART = st.from_regex(r"[A-Z][a-z]{1,11}", fullmatch=True)


def geslachtsnamen() -> st.SearchStrategy[str]:
    """Plausible surnames (without voorvoegsel): one or two capitalised words."""
    return st.lists(_NAME_PART, min_size=1, max_size=2).map("-".join)


def voornamen() -> st.SearchStrategy[str]:
    """Plausible first names: one to three capitalised words separated by spaces."""
    return st.lists(_NAME_PART, min_size=1, max_size=3).map(" ".join)


def kvk_numbers() -> st.SearchStrategy[str]:
    return st.text(alphabet=_DIGITS, min_size=8, max_size=8)


def oins() -> st.SearchStrategy[str]:
    """OINs in the common shape: an 8-digit register prefix, 9 digits of the number, ``000``."""
    prefix = st.sampled_from(["00000001", "00000002", "00000003", "00000004"])
    number = st.text(alphabet=_DIGITS, min_size=9, max_size=9)
    return st.tuples(prefix, number).map(lambda parts: f"{parts[0]}{parts[1]}000")
