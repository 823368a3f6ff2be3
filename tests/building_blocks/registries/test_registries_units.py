"""The register's pure parts: BSN allocation, field selection, schema errors, the seed loader."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from building_blocks.common import ProblemError
from building_blocks.registries import bsn, declarations, spec_path, store
from building_blocks.registries.fields import select, selection
from building_blocks.registries.schema import RequestSchemas
from conformance.client import identifiers
from conformance.paths import seed_root


@given(st.integers(min_value=0, max_value=10_000))
def test_allocated_numbers_are_valid_and_agree_with_the_harness(sequence: int) -> None:
    number, following = bsn.allocate(sequence, lambda candidate: False)
    assert identifiers.is_valid_bsn(number)  # the harness's independent rule agrees
    assert bsn.is_valid_bsn(number)
    assert following > sequence
    assert int(number[:8]) == bsn.SERIES_START + following - 1


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_the_blocks_elfproef_agrees_with_the_harness(value: str) -> None:
    assert bsn.is_valid_bsn(value) == identifiers.is_valid_bsn(value)


def test_allocation_skips_taken_numbers_and_prefixes_without_check_digit() -> None:
    first, after_first = bsn.allocate(0, lambda candidate: False)
    assert first == "900000004"
    second, _ = bsn.allocate(0, lambda candidate: candidate == first)
    assert second == "900000016" and after_first == 1
    numbers, sequence = [], 0
    for _ in range(30):
        number, sequence = bsn.allocate(sequence, lambda candidate: candidate in numbers)
        numbers.append(number)
    assert len(set(numbers)) == 30 and numbers == sorted(numbers)
    assert sequence > 30  # some prefixes have no check digit and were skipped


def test_an_exhausted_series_is_an_error() -> None:
    last = bsn.SERIES_END - bsn.SERIES_START
    with pytest.raises(bsn.SeriesExhausted):
        bsn.allocate(last, lambda candidate: True)


PERSON = {
    "burgerservicenummer": "999993653",
    "naam": {"voornamen": "Anna", "geslachtsnaam": "Jansen"},
    "kinderen": [
        {"burgerservicenummer": "999990020", "naam": {"voornamen": "Lotte"}},
        {"burgerservicenummer": "999990032", "naam": {"voornamen": "Daan", "voorvoegsel": "de"}},
    ],
    "ouders": [],
}


def test_selection_keeps_only_named_fields_and_whole_groups() -> None:
    assert select(PERSON, ["naam.voornamen"]) == {"naam": {"voornamen": "Anna"}}
    assert select(PERSON, ["naam.voornamen", "naam"]) == {"naam": PERSON["naam"]}
    assert selection(["naam", "naam.voornamen"]) == {"naam": True}


def test_selection_inside_lists_keeps_every_item() -> None:
    assert select(PERSON, ["kinderen.naam.voorvoegsel"]) == {
        "kinderen": [{}, {"naam": {"voorvoegsel": "de"}}]
    }
    assert select(PERSON, ["ouders"]) == {"ouders": []}


def test_a_field_the_person_lacks_is_left_out() -> None:
    assert select(PERSON, ["naam.voorvoegsel", "verblijfplaats"]) == {}


@pytest.fixture(scope="module")
def schemas() -> RequestSchemas:
    return RequestSchemas(yaml.safe_load(spec_path().read_text(encoding="utf-8")))


def test_schema_errors_name_each_member_without_its_value(schemas: RequestSchemas) -> None:
    body = {
        "type": "RaadpleegMetBurgerservicenummer",
        "burgerservicenummer": ["12345678X"],
        "fields": ["naam", "geheim"],
        "extra": True,
    }
    errors = schemas.errors("RaadpleegMetBurgerservicenummer", body)
    assert [(e.name, e.code) for e in errors] == [
        ("burgerservicenummer[0]", "pattern"),
        ("extra", "unknownParam"),
        ("fields[1]", "enum"),
    ]
    assert all("12345678X" not in e.reason and "geheim" not in e.reason for e in errors)


def test_every_field_path_of_the_spec_selects_something_the_register_holds(
    schemas: RequestSchemas, tmp_path: Path
) -> None:
    paths = schemas.components["FieldPath"]["enum"]
    assert "naam.geslachtsnaam" in paths and "verblijfplaats.postcode" in paths
    assert schemas.errors("Fields", paths) == []  # all of them fit in one query
    db = store.open_register(tmp_path, seed_root() / "registries" / "persons.yaml")
    groups = {path.split(".")[0] for path in paths}
    # Anna has children and former addresses, her daughter Lotte has parents, Samir and Bram
    # lived at addresses with a toevoeging and a huisletter, Hendrik and Marieke live at such,
    # and Cornelia van den Berg's daughter carries a voorvoegsel.
    people = [
        store.load_person(db, number, groups)
        for number in (
            "999993653",
            "999990020",
            "999990044",
            "999990093",
            "999990111",
            "999990147",
            "999990354",
        )
    ]
    db.close()
    for path in paths:
        assert any(_has_value(select(person or {}, [path])) for person in people), path


def _has_value(selected: object) -> bool:
    """Whether a selection holds an actual value, not only empty groups and list items."""
    if isinstance(selected, dict):
        return any(_has_value(value) for value in selected.values())
    if isinstance(selected, list):
        return any(_has_value(item) for item in selected)
    return True


def test_dates_must_be_full_calendar_dates(schemas: RequestSchemas) -> None:
    body = {
        "type": "ZoekMetGeslachtsnaamEnGeboortedatum",
        "geslachtsnaam": "Jansen",
        "fields": ["naam"],
    }
    for bad in ("19800412", "1980-02-30", "1980-4-12", "1980-04-12T00:00:00Z"):
        errors = schemas.errors(body["type"], {**body, "geboortedatum": bad})
        assert [(e.name, e.code) for e in errors] == [("geboortedatum", "format")], bad
    assert schemas.errors(body["type"], {**body, "geboortedatum": "1980-04-12"}) == []


def test_the_shipped_seed_is_valid() -> None:
    persons = store.load_seed(seed_root() / "registries" / "persons.yaml")
    assert len(persons) >= 24
    assert all(identifiers.is_valid_bsn(p["burgerservicenummer"]) for p in persons)


@pytest.mark.parametrize(
    ("persons", "message"),
    [
        ([{"burgerservicenummer": "123456789", "verblijfplaatsen": [{}]}], "not a valid BSN"),
        (
            [
                {"burgerservicenummer": "999993653", "verblijfplaatsen": [{}]},
                {"burgerservicenummer": "999993653", "verblijfplaatsen": [{}]},
            ],
            "occurs twice",
        ),
        ([{"burgerservicenummer": "999993653"}], "needs at least one address"),
        (
            [
                {
                    "burgerservicenummer": "999993653",
                    "verblijfplaatsen": [{}],
                    "ouders": [{"burgerservicenummer": "111222333"}],
                }
            ],
            "unknown person",
        ),
        ("not a list", "expected a list"),
    ],
)
def test_a_broken_seed_fails_with_the_place_it_is_broken(
    tmp_path: Path, persons: object, message: str
) -> None:
    seed = tmp_path / "persons.yaml"
    seed.write_text(yaml.safe_dump({"persons": persons}), encoding="utf-8")
    with pytest.raises(store.SeedError, match=message) as caught:
        store.load_seed(seed)
    assert "persons.yaml" in str(caught.value)


def _birth(mother: str, **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "naam": {"voornamen": "Sophie", "geslachtsnaam": "Jansen"},
        "geslacht": "V",
        "geboorte": {"datum": "2024-03-01", "plaats": "Utrecht"},
        "moeder": {"burgerservicenummer": mother},
    }
    return {**body, **changes}


def _seed_with(tmp_path: Path, *extra: dict[str, object]) -> Path:
    persons = store.load_seed(seed_root() / "registries" / "persons.yaml")
    seed = tmp_path / "persons.yaml"
    seed.write_text(yaml.safe_dump({"persons": [*persons, *extra]}), encoding="utf-8")
    return seed


def test_a_fresh_register_hands_out_the_documented_series(tmp_path: Path) -> None:
    db = store.open_register(tmp_path, seed_root() / "registries" / "persons.yaml")
    try:
        numbers = [
            declarations.declare_birth(db, _birth("999993653"), "c")["burgerservicenummer"]
            for _ in range(3)
        ]
    finally:
        db.close()
    assert numbers == ["900000004", "900000016", "900000028"]


def test_allocation_skips_a_number_already_registered(tmp_path: Path) -> None:
    taken = {
        "burgerservicenummer": "900000004",
        "naam": {"voornamen": "Al", "geslachtsnaam": "Bezet"},
        "geslacht": "M",
        "geboorte": {"datum": "1990-01-01", "plaats": "Utrecht"},
        "verblijfplaatsen": [
            {
                "straat": "Kerkstraat",
                "huisnummer": 1,
                "postcode": "3511AA",
                "woonplaats": "Utrecht",
                "datumAanvangAdreshouding": "1990-01-01",
            }
        ],
    }
    db = store.open_register(tmp_path, _seed_with(tmp_path, taken))
    try:
        result = declarations.declare_birth(db, _birth("999993653"), "c")
    finally:
        db.close()
    assert result["burgerservicenummer"] == "900000016"


def test_a_rejected_birth_does_not_use_up_a_number(tmp_path: Path) -> None:
    db = store.open_register(tmp_path, seed_root() / "registries" / "persons.yaml")
    try:
        with pytest.raises(ProblemError) as refused:
            declarations.declare_birth(
                db, _birth("999993653", geboorte={"datum": "2999-01-01", "plaats": "X"}), "c"
            )
        assert refused.value.status == 409
        first = declarations.declare_birth(db, _birth("999993653"), "c")
    finally:
        db.close()
    assert first["burgerservicenummer"] == "900000004"


def test_the_register_survives_a_reopen_and_continues_the_series(tmp_path: Path) -> None:
    seed = seed_root() / "registries" / "persons.yaml"
    db = store.open_register(tmp_path, seed)
    first = declarations.declare_birth(db, _birth("999993653"), "c")["burgerservicenummer"]
    db.close()
    db = store.open_register(tmp_path, seed)  # the seed is not loaded a second time
    try:
        second = declarations.declare_birth(db, _birth("999993653"), "c")["burgerservicenummer"]
        count = db.query_one("SELECT COUNT(*) FROM person")
    finally:
        db.close()
    assert (first, second) == ("900000004", "900000016")
    assert count is not None and count[0] == len(store.load_seed(seed)) + 2
