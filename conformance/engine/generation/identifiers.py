"""Dutch identifiers as Hypothesis strategies: valid and invalid BSNs, postcodes, names, KvK
numbers and OINs. The rules they follow are ``conformance.client.identifiers``."""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.client.identifiers import (
    POSTCODE,
    bsn_check_digit,
    is_valid_bsn,
    is_valid_postcode,
)

__all__ = [
    "geslachtsnamen",
    "invalid_bsns",
    "invalid_postcodes",
    "kvk_numbers",
    "oins",
    "postcodes",
    "valid_bsns",
    "voornamen",
]

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
    return st.from_regex(POSTCODE, fullmatch=True)


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
