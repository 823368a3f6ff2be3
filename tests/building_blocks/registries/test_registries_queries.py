"""POST /personen: the three query types, field selection, paging, invalid queries."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from registries_helpers import ANNA, PIETER, Registry, by_bsn, invalid_names

pytestmark = pytest.mark.slow

STUDENT_HOUSE = {"type": "ZoekMetPostcodeEnHuisnummer", "postcode": "3572AP", "huisnummer": 101}


def test_raadpleeg_returns_exactly_the_persons_asked_for_in_bsn_order(registry: Registry) -> None:
    found = registry.persons(by_bsn([PIETER, ANNA, "999990020"], "burgerservicenummer"))
    assert [p["burgerservicenummer"] for p in found] == sorted([PIETER, ANNA, "999990020"])


def test_raadpleeg_an_unknown_or_elfproef_failing_bsn_matches_nobody(registry: Registry) -> None:
    assert registry.persons(by_bsn(["123456782"])) == []  # valid 11-proef, not registered
    assert registry.persons(by_bsn(["123456789"])) == []  # fails the 11-proef
    assert [p["burgerservicenummer"] for p in registry.persons(by_bsn(["123456789", ANNA]))] == [
        ANNA
    ]


def test_raadpleeg_a_duplicate_bsn_returns_the_person_once(registry: Registry) -> None:
    assert len(registry.persons(by_bsn([ANNA, ANNA]))) == 1


def test_raadpleeg_allows_twenty_bsns_and_refuses_twenty_one(registry: Registry) -> None:
    assert registry.query(by_bsn([ANNA] * 20)).status_code == 200
    assert invalid_names(registry.query(by_bsn([ANNA] * 21))) == {"burgerservicenummer"}


def test_search_by_name_and_birth_date_ignores_case_and_narrows(registry: Registry) -> None:
    query = {
        "type": "ZoekMetGeslachtsnaamEnGeboortedatum",
        "geslachtsnaam": "jANSEN",
        "geboortedatum": "1980-04-12",
        "fields": ["naam.voornamen", "geslacht.code"],
    }
    both = registry.persons(query)
    assert sorted(p["naam"]["voornamen"] for p in both) == ["Anna Maria", "Jan"]
    women = registry.persons({**query, "geslacht": "V"})
    assert [p["naam"]["voornamen"] for p in women] == ["Anna Maria"]
    assert registry.persons({**query, "voornamen": "jan"}) == [
        {"naam": {"voornamen": "Jan"}, "geslacht": {"code": "M"}}
    ]
    assert registry.persons({**query, "geboortedatum": "1980-04-13"}) == []


def test_search_by_name_with_voorvoegsel_and_diacritics(registry: Registry) -> None:
    found = registry.persons(
        {
            "type": "ZoekMetGeslachtsnaamEnGeboortedatum",
            "geslachtsnaam": "berg",
            "voorvoegsel": "Van Den",
            "geboortedatum": "1970-05-05",
            "fields": ["naam"],
        }
    )
    assert found == [
        {"naam": {"voornamen": "Marieke", "voorvoegsel": "van den", "geslachtsnaam": "Berg"}}
    ]
    turkish = registry.persons(
        {
            "type": "ZoekMetGeslachtsnaamEnGeboortedatum",
            "geslachtsnaam": "ÖZTÜRK",
            "geboortedatum": "1975-10-10",
            "fields": ["naam.voornamen"],
        }
    )
    assert turkish == [{"naam": {"voornamen": "Mehmet"}}]


def test_search_by_postcode_and_house_number_finds_current_residents(registry: Registry) -> None:
    query = {
        "type": "ZoekMetPostcodeEnHuisnummer",
        "postcode": "3511AB",
        "huisnummer": 12,
        "fields": ["naam.voornamen", "verblijfplaats.huisletter"],
    }
    everyone = {p["naam"]["voornamen"] for p in registry.persons(query)}
    assert everyone == {"Anna Maria", "Pieter", "Lotte", "Daan", "Hendrik Johannes", "Margaretha"}
    with_letter = registry.persons({**query, "huisletter": "a"})
    assert {p["naam"]["voornamen"] for p in with_letter} == {"Hendrik Johannes", "Margaretha"}
    assert all(p["verblijfplaats"] == {"huisletter": "A"} for p in with_letter)


def test_search_by_address_narrows_by_toevoeging_and_ignores_former_residents(
    registry: Registry,
) -> None:
    query = {
        "type": "ZoekMetPostcodeEnHuisnummer",
        "postcode": "1053ED",
        "huisnummer": 102,
        "fields": ["naam.voornamen"],
    }
    # Samir El Amrani lived at 102-2 until 2018; he is history there, not a resident.
    upstairs = {
        p["naam"]["voornamen"] for p in registry.persons({**query, "huisnummertoevoeging": "2"})
    }
    assert upstairs == {"Marieke", "Ahmed", "Yasmina"}
    assert {p["naam"]["voornamen"] for p in registry.persons(query)} == upstairs | {"Zoë"}
    nobody = {**query, "postcode": "1053EE"}
    assert registry.persons(nobody) == []


def test_only_the_requested_fields_are_returned(registry: Registry) -> None:
    person = registry.person(ANNA, "naam.geslachtsnaam", "geboorte.datum")
    assert person == {"naam": {"geslachtsnaam": "Jansen"}, "geboorte": {"datum": "1980-04-12"}}


def test_a_group_selects_everything_inside_it(registry: Registry) -> None:
    person = registry.person(PIETER, "naam", "naam.voornamen", "geslacht")
    assert person == {
        "naam": {"voornamen": "Pieter", "voorvoegsel": "de", "geslachtsnaam": "Vries"},
        "geslacht": {"code": "M", "omschrijving": "man"},
    }


def test_fields_inside_lists_apply_to_every_item(registry: Registry) -> None:
    person = registry.person(ANNA, "kinderen.naam.voornamen", "verblijfplaatsHistorie.postcode")
    assert person == {
        "kinderen": [{"naam": {"voornamen": "Lotte"}}, {"naam": {"voornamen": "Daan"}}],
        "verblijfplaatsHistorie": [{"postcode": "3572AA"}, {"postcode": "3581AD"}],
    }


def test_parents_and_children_are_linked_both_ways(registry: Registry) -> None:
    child = registry.person("999990020", "ouders")
    assert [(o["burgerservicenummer"], o["ouderAanduiding"]) for o in child["ouders"]] == [
        (ANNA, "1"),
        (PIETER, "2"),
    ]
    father = registry.person(PIETER, "kinderen.burgerservicenummer")
    assert {"burgerservicenummer": "999990020"} in father["kinderen"]


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        (["naam", "naam.bijnaam"], {"fields[1]"}),
        (["burgerservicenummer", "bsn"], {"fields[1]"}),
        (["Naam"], {"fields[0]"}),
        ([], {"fields"}),
    ],
)
def test_an_unknown_field_is_invalid_input_naming_it(
    registry: Registry, fields: list[str], bad: set[str]
) -> None:
    assert invalid_names(registry.query({**by_bsn([ANNA]), "fields": fields})) == bad


def test_fields_are_required(registry: Registry) -> None:
    body = by_bsn([ANNA])
    del body["fields"]
    assert invalid_names(registry.query(body)) == {"fields"}


@pytest.mark.parametrize(
    ("body", "bad"),
    [
        (
            {"type": "ZoekMetPostcodeEnHuisnummer", "postcode": "3511 AB", "huisnummer": 12},
            {"postcode"},
        ),
        (
            {"type": "ZoekMetPostcodeEnHuisnummer", "postcode": "0511AB", "huisnummer": 12},
            {"postcode"},
        ),
        (
            {"type": "ZoekMetPostcodeEnHuisnummer", "postcode": "3511ab", "huisnummer": 12},
            {"postcode"},
        ),
        (
            {"type": "ZoekMetPostcodeEnHuisnummer", "postcode": "3511AB", "huisnummer": "12"},
            {"huisnummer"},
        ),
        ({"type": "ZoekMetPostcodeEnHuisnummer", "postcode": "3511AB"}, {"huisnummer"}),
        (
            {
                "type": "ZoekMetGeslachtsnaamEnGeboortedatum",
                "geslachtsnaam": "Jansen",
                "geboortedatum": "12-04-1980",
            },
            {"geboortedatum"},
        ),
        (
            {
                "type": "ZoekMetGeslachtsnaamEnGeboortedatum",
                "geslachtsnaam": "Jansen",
                "geboortedatum": "1980-02-30",
            },
            {"geboortedatum"},
        ),
        (
            {"type": "RaadpleegMetBurgerservicenummer", "burgerservicenummer": ["99999365"]},
            {"burgerservicenummer[0]"},
        ),
        (
            {
                "type": "RaadpleegMetBurgerservicenummer",
                "burgerservicenummer": [ANNA],
                "postcode": "3511AB",
            },
            {"postcode"},
        ),
        ({"type": "ZoekMetIets"}, {"type"}),
        ({"burgerservicenummer": [ANNA]}, {"type"}),
    ],
)
def test_a_query_that_breaks_its_schema_is_400_naming_the_member(
    registry: Registry, body: dict[str, object], bad: set[str]
) -> None:
    assert invalid_names(registry.query({"fields": ["naam"], **body})) == bad


def test_a_body_that_is_not_json_is_400(registry: Registry) -> None:
    with registry.client() as client:
        response = client.post(
            "/personen", content=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert invalid_names(response) == {"body"}
        response = client.post(
            "/personen", content=b"type=x", headers={"Content-Type": "text/plain"}
        )
        assert invalid_names(response) == {"Content-Type"}


def test_a_bsn_never_appears_in_an_error(registry: Registry) -> None:
    response = registry.query({**by_bsn(["99999365X"]), "fields": ["naam"]})
    assert "99999365X" not in response.text


def test_pages_hold_every_match_once_in_a_stable_order(registry: Registry) -> None:
    query = {**STUDENT_HOUSE, "fields": ["burgerservicenummer"]}
    everyone = [p["burgerservicenummer"] for p in registry.persons(query)]
    assert len(everyone) == 6 and everyone == sorted(everyone)
    paged: list[str] = []
    for page in (1, 2, 3):
        response = registry.query(query, page=page, pageSize=2)
        body = response.json()
        assert body["page"] == {"number": page, "size": 2, "totalElements": 6, "totalPages": 3}
        paged += [p["burgerservicenummer"] for p in body["personen"]]
    assert paged == everyone
    assert registry.persons(query, page=4, pageSize=2) == []  # beyond the last page: empty


def test_page_links_point_at_neighbouring_pages_without_personal_data(registry: Registry) -> None:
    body = registry.query({**STUDENT_HOUSE, "fields": ["naam"]}, page=2, pageSize=2).json()
    pages = {}
    for rel, link in body["_links"].items():
        parts = urlsplit(link["href"])
        assert parts.path.endswith("/registries/v1/personen")
        query = parse_qs(parts.query)
        assert set(query) == {"page", "pageSize"} and query["pageSize"] == ["2"]
        pages[rel] = int(query["page"][0])
    assert pages == {"self": 2, "first": 1, "prev": 1, "next": 3, "last": 3}
    first = registry.query({**STUDENT_HOUSE, "fields": ["naam"]}, pageSize=2).json()
    assert "prev" not in first["_links"] and first["page"]["number"] == 1


def test_paging_defaults_to_page_one_of_twenty(registry: Registry) -> None:
    body = registry.query({**STUDENT_HOUSE, "fields": ["naam"]}).json()
    assert body["page"]["number"] == 1 and body["page"]["size"] == 20


@pytest.mark.parametrize(
    ("params", "bad"),
    [
        ({"page": 0}, {"page"}),
        ({"page": "one"}, {"page"}),
        ({"page": "1.5"}, {"page"}),
        ({"pageSize": 0}, {"pageSize"}),
        ({"pageSize": 101}, {"pageSize"}),
        ({"page": -1, "pageSize": "x"}, {"page", "pageSize"}),
    ],
)
def test_invalid_paging_is_400(
    registry: Registry, params: dict[str, object], bad: set[str]
) -> None:
    assert invalid_names(registry.query({**STUDENT_HOUSE, "fields": ["naam"]}, **params)) == bad


def test_every_answer_carries_the_api_version(registry: Registry) -> None:
    ok = registry.query(by_bsn([ANNA]))
    bad = registry.query({"type": "nope"})
    assert ok.headers["API-Version"] == bad.headers["API-Version"] == "1.0.0"
