"""The harness's own identifier rules: known values, and properties over generated ones."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.client import identifiers as ids
from conformance.engine.generation import identifiers as strategies


@pytest.mark.parametrize("bsn", ["999993653", "111222333", "999990019", "900000004"])
def test_known_valid_bsns_pass_the_elfproef(bsn: str) -> None:
    assert ids.is_valid_bsn(bsn)


@pytest.mark.parametrize(
    "value",
    [
        "123456789",
        "999993654",
        "000000000",
        "99999365",
        "9999936530",
        "99999365a",
        "",
        None,
        999993653,
    ],
)
def test_known_invalid_bsns_fail(value: object) -> None:
    assert not ids.is_valid_bsn(value)


@given(strategies.valid_bsns())
def test_generated_valid_bsns_are_valid(bsn: str) -> None:
    assert len(bsn) == 9 and bsn.isdigit()
    weighted = sum(int(d) * w for d, w in zip(bsn, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True))
    assert weighted % 11 == 0
    assert ids.is_valid_bsn(bsn)


@given(strategies.invalid_bsns())
def test_generated_invalid_bsns_are_invalid(value: str) -> None:
    assert not ids.is_valid_bsn(value)


@given(strategies.invalid_bsns(well_formed_only=True))
def test_well_formed_invalid_bsns_match_the_pattern_but_fail_the_elfproef(value: str) -> None:
    assert len(value) == 9 and value.isdigit()
    assert not ids.is_valid_bsn(value)


@given(strategies.valid_bsns(), st.integers(min_value=1, max_value=9))
def test_changing_the_check_digit_breaks_a_valid_bsn(bsn: str, delta: int) -> None:
    changed = bsn[:8] + str((int(bsn[8]) + delta) % 10)
    assert not ids.is_valid_bsn(changed)


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_check_digit_completes_a_prefix_or_no_digit_can(prefix: str) -> None:
    digit = ids.bsn_check_digit(prefix)
    completions = [d for d in range(10) if ids.is_valid_bsn(prefix + str(d))]
    assert completions == ([] if digit is None else [digit])


def test_check_digit_rejects_a_malformed_prefix() -> None:
    with pytest.raises(ValueError, match="8 digits"):
        ids.bsn_check_digit("1234")


@given(strategies.postcodes())
def test_generated_postcodes_are_valid(postcode: str) -> None:
    assert ids.is_valid_postcode(postcode)
    assert postcode[0] != "0" and postcode[4:].isupper()


@given(strategies.invalid_postcodes())
def test_generated_invalid_postcodes_are_invalid(value: str) -> None:
    assert not ids.is_valid_postcode(value)


@pytest.mark.parametrize("value", ["0123AB", "1234ab", "1234 AB", "123AB", "1234ABC", None])
def test_known_invalid_postcodes_fail(value: object) -> None:
    assert not ids.is_valid_postcode(value)


@given(strategies.kvk_numbers())
def test_generated_kvk_numbers_are_valid(kvk: str) -> None:
    assert ids.is_valid_kvk(kvk)


@pytest.mark.parametrize("value", ["1234567", "123456789", "1234567a", None])
def test_malformed_kvk_numbers_fail(value: object) -> None:
    assert not ids.is_valid_kvk(value)


@given(strategies.oins())
def test_generated_oins_are_valid(oin: str) -> None:
    assert ids.is_valid_oin(oin)


def test_oin_of_the_harness_organisation_is_valid_and_short_ones_are_not() -> None:
    assert ids.is_valid_oin("00000001001234567000")
    assert not ids.is_valid_oin("0000000100123456700")
    assert not ids.is_valid_oin("0000000100123456700x")


@given(strategies.geslachtsnamen(), strategies.voornamen())
def test_generated_names_match_the_spec_name_pattern(surname: str, first_names: str) -> None:
    pattern = re.compile(r"^[a-zA-Z0-9À-ž .'-]{1,200}$")
    assert pattern.match(surname) and pattern.match(first_names)
