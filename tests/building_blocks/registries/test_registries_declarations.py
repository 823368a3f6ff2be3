"""Birth and move declarations: what they change in the register, and what they refuse."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from registries_helpers import (
    ANNA,
    PIETER,
    Registry,
    assert_problem,
    birth,
    by_bsn,
    invalid_names,
    move,
)

from conformance.client.identifiers import is_valid_bsn

pytestmark = pytest.mark.slow

SANNE = "999990251"  # Sanne Hendriks, single mother in Den Haag
EMMA = "999990160"  # Emma Visser, a student at Biltstraat 101
FENNA = "999990287"  # Fenna de Jong, Groningen (moved once before)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _name_of(registry: Registry, bsn: str) -> str:
    return str(registry.person(bsn, "naam.voornamen")["naam"]["voornamen"])


def test_seed_persons_named_in_these_tests_are_who_the_tests_think(registry: Registry) -> None:
    assert _name_of(registry, SANNE) == "Sanne"
    assert _name_of(registry, EMMA) == "Emma"
    assert _name_of(registry, FENNA) == "Fenna"


def test_a_birth_registers_a_findable_child_with_a_new_valid_bsn(registry: Registry) -> None:
    with registry.client() as client:
        response = client.post("/geboorteaangiften", json=birth(ANNA, PIETER))
    assert response.status_code == 201, response.text
    result = response.json()
    bsn = result["burgerservicenummer"]
    assert is_valid_bsn(bsn)
    assert bsn not in (ANNA, PIETER)
    assert UUID.fullmatch(result["aangifteId"])
    child = registry.person(bsn, "burgerservicenummer", "naam", "geboorte", "geslacht")
    assert child == {
        "burgerservicenummer": bsn,
        "naam": {"voornamen": "Sophie", "geslachtsnaam": "Jansen"},
        "geboorte": {"datum": "2024-03-01", "plaats": "Utrecht"},
        "geslacht": {"code": "V", "omschrijving": "vrouw"},
    }


def test_the_location_of_a_birth_names_the_declaration_not_the_bsn(registry: Registry) -> None:
    with registry.client() as client:
        response = client.post("/geboorteaangiften", json=birth(SANNE))
        assert response.status_code == 201, response.text
        result = response.json()
        location = response.headers["Location"]
        assert result["burgerservicenummer"] not in location
        assert urlsplit(location).path.endswith(f"/geboorteaangiften/{result['aangifteId']}")
        again = client.get(location)
    assert again.status_code == 200
    assert again.json() == result


def test_a_child_is_linked_to_both_parents_and_lives_with_its_mother(registry: Registry) -> None:
    with registry.client() as client:
        response = client.post("/geboorteaangiften", json=birth(SANNE, PIETER))
    child_bsn = response.json()["burgerservicenummer"]
    child = registry.person(
        child_bsn, "ouders.burgerservicenummer", "ouders.ouderAanduiding", "verblijfplaats"
    )
    assert child["ouders"] == [
        {"burgerservicenummer": SANNE, "ouderAanduiding": "1"},
        {"burgerservicenummer": PIETER, "ouderAanduiding": "2"},
    ]
    mother = registry.person(SANNE, "verblijfplaats")["verblijfplaats"]
    same_address = {k: v for k, v in mother.items() if k != "datumAanvangAdreshouding"}
    assert {k: v for k, v in child["verblijfplaats"].items() if k in same_address} == same_address
    assert child["verblijfplaats"]["datumAanvangAdreshouding"] == "2024-03-01"
    for parent in (SANNE, PIETER):
        kinderen = registry.person(parent, "kinderen.burgerservicenummer")["kinderen"]
        assert {"burgerservicenummer": child_bsn} in kinderen
    residents = registry.persons(
        {
            "type": "ZoekMetPostcodeEnHuisnummer",
            "postcode": mother["postcode"],
            "huisnummer": mother["huisnummer"],
            "fields": ["burgerservicenummer"],
        }
    )
    assert {"burgerservicenummer": child_bsn} in residents


def test_later_births_get_later_numbers_of_the_series(registry: Registry) -> None:
    with registry.client() as client:
        numbers = [
            client.post("/geboorteaangiften", json=birth(SANNE)).json()["burgerservicenummer"]
            for _ in range(3)
        ]
    # The series 900000004, 900000016, 900000028, ... (exact values: test_registries_units).
    assert numbers == sorted(set(numbers)) and all(n.startswith("90000") for n in numbers)


def test_eight_concurrent_births_get_distinct_valid_bsns_and_none_is_lost(
    registry: Registry,
) -> None:
    before = registry.person(SANNE, "kinderen.burgerservicenummer")["kinderen"]

    def declare(index: int) -> str:
        body = birth(
            SANNE, naam={"voornamen": f"Kind {chr(65 + index)}", "geslachtsnaam": "Hendriks"}
        )
        with registry.client() as client:
            response = client.post("/geboorteaangiften", json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["burgerservicenummer"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(declare, range(8)))
    assert len(set(numbers)) == 8
    assert all(is_valid_bsn(number) for number in numbers)
    after = registry.person(SANNE, "kinderen.burgerservicenummer")["kinderen"]
    assert len(after) == len(before) + 8
    assert {c["burgerservicenummer"] for c in after} >= set(numbers)
    found = registry.persons(by_bsn(numbers, "burgerservicenummer"))
    assert sorted(p["burgerservicenummer"] for p in found) == sorted(numbers)


@pytest.mark.parametrize(
    ("body", "name"),
    [
        (birth("111222333"), "moeder.burgerservicenummer"),  # valid 11-proef, not registered
        (birth("123456789"), "moeder.burgerservicenummer"),  # fails the 11-proef
        (birth(ANNA, "123456782"), "andereOuder.burgerservicenummer"),
    ],
)
def test_a_birth_naming_an_unknown_parent_is_404(
    registry: Registry, body: dict[str, object], name: str
) -> None:
    with registry.client() as client:
        response = client.post("/geboorteaangiften", json=body)
    problem = assert_problem(response, 404)
    assert [p["name"] for p in problem["invalidParams"]] == [name]


@pytest.mark.parametrize(
    ("body", "name"),
    [
        (birth(ANNA, ANNA), "andereOuder.burgerservicenummer"),
        (birth(ANNA, geboorte={"datum": "2999-01-01", "plaats": "Utrecht"}), "geboorte.datum"),
        (birth(ANNA, geboorte={"datum": "1980-04-12", "plaats": "Utrecht"}), "geboorte.datum"),
        (
            birth("999990226", geboorte={"datum": "1970-01-01", "plaats": "Utrecht"}),
            "geboorte.datum",
        ),
    ],
)
def test_a_birth_contradicting_the_register_is_409_and_changes_nothing(
    registry: Registry, body: dict[str, object], name: str
) -> None:
    kinderen_before = registry.person(ANNA, "kinderen")["kinderen"]
    with registry.client() as client:
        response = client.post("/geboorteaangiften", json=body)
    problem = assert_problem(response, 409)
    assert [p["name"] for p in problem["invalidParams"]] == [name]
    assert registry.person(ANNA, "kinderen")["kinderen"] == kinderen_before


@pytest.mark.parametrize(
    ("change", "bad"),
    [
        ({"geslacht": "X"}, {"geslacht"}),
        ({"naam": {"voornamen": "Sophie"}}, {"naam.geslachtsnaam"}),
        ({"geboorte": {"datum": "2024-3-1", "plaats": "Utrecht"}}, {"geboorte.datum"}),
        ({"moeder": {"burgerservicenummer": "99999365"}}, {"moeder.burgerservicenummer"}),
        ({"burgerservicenummer": "999993653"}, {"burgerservicenummer"}),
    ],
)
def test_an_invalid_birth_declaration_is_400(
    registry: Registry, change: dict[str, object], bad: set[str]
) -> None:
    with registry.client() as client:
        response = client.post("/geboorteaangiften", json={**birth(ANNA), **change})
    assert invalid_names(response) == bad


def test_a_move_changes_the_current_address_and_keeps_the_old_one(registry: Registry) -> None:
    before = registry.person(FENNA, "verblijfplaats", "verblijfplaatsHistorie")
    new_address = {
        "straat": "Vismarkt",
        "huisnummer": 9,
        "postcode": "9712CA",
        "woonplaats": "Groningen",
    }
    with registry.client() as client:
        response = client.post("/verhuisaangiften", json=move(FENNA, "2023-07-01", **new_address))
        assert response.status_code == 201, response.text
        result = response.json()
        assert FENNA not in response.headers["Location"]
        assert client.get(response.headers["Location"]).json() == result
    old = before["verblijfplaats"]
    assert result["vorigeVerblijfplaats"] == {**old, "datumEindeAdreshouding": "2023-07-01"}
    after = registry.person(FENNA, "verblijfplaats", "verblijfplaatsHistorie")
    assert after["verblijfplaats"] == {**new_address, "datumAanvangAdreshouding": "2023-07-01"}
    assert after["verblijfplaatsHistorie"] == [
        {**old, "datumEindeAdreshouding": "2023-07-01"},
        *before["verblijfplaatsHistorie"],
    ]

    def residents(postcode: str, huisnummer: int) -> list[object]:
        return registry.persons(
            {
                "type": "ZoekMetPostcodeEnHuisnummer",
                "postcode": postcode,
                "huisnummer": huisnummer,
                "fields": ["burgerservicenummer"],
            }
        )

    assert {"burgerservicenummer": FENNA} in residents("9712CA", 9)
    assert {"burgerservicenummer": FENNA} not in residents(old["postcode"], old["huisnummer"])


@pytest.mark.parametrize(
    ("starts", "reason"),
    [
        ("2019-09-01", "same day the current address began"),
        ("2001-01-01", "before"),
        ("2999-01-01", "future"),
    ],
)
def test_a_move_not_after_the_current_address_or_in_the_future_is_409(
    registry: Registry, starts: str, reason: str
) -> None:
    before = registry.person(EMMA, "verblijfplaats", "verblijfplaatsHistorie")
    with registry.client() as client:
        response = client.post("/verhuisaangiften", json=move(EMMA, starts, huisnummer=7))
    problem = assert_problem(response, 409)
    assert [p["name"] for p in problem["invalidParams"]] == [
        "verblijfplaats.datumAanvangAdreshouding"
    ], reason
    assert registry.person(EMMA, "verblijfplaats", "verblijfplaatsHistorie") == before


def test_a_move_of_an_unknown_person_is_404(registry: Registry) -> None:
    with registry.client() as client:
        response = client.post("/verhuisaangiften", json=move("111222333"))
    problem = assert_problem(response, 404)
    assert [p["name"] for p in problem["invalidParams"]] == ["burgerservicenummer"]


@pytest.mark.parametrize(
    ("address", "bad"),
    [
        ({"postcode": "9712 CA"}, {"verblijfplaats.postcode"}),
        ({"postcode": "0712CA"}, {"verblijfplaats.postcode"}),
        ({"huisnummer": 0}, {"verblijfplaats.huisnummer"}),
        ({"datumAanvangAdreshouding": "2024-13-01"}, {"verblijfplaats.datumAanvangAdreshouding"}),
        ({"huisletter": "AB"}, {"verblijfplaats.huisletter"}),
    ],
)
def test_an_invalid_move_is_400(
    registry: Registry, address: dict[str, object], bad: set[str]
) -> None:
    with registry.client() as client:
        response = client.post("/verhuisaangiften", json=move(EMMA, **address))
    assert invalid_names(response) == bad


def test_a_declaration_is_visible_only_to_the_client_that_made_it(registry: Registry) -> None:
    with registry.client() as client:
        location = client.post("/geboorteaangiften", json=birth(SANNE)).headers["Location"]
    with registry.client(sub="harness-tweede-org") as other:
        assert_problem(other.get(location), 404)
        move_location = location.replace("geboorteaangiften", "verhuisaangiften")
    with registry.client() as client:
        assert client.get(location).status_code == 200
        # The same identifier is no move declaration: kinds do not mix.
        assert_problem(client.get(move_location), 404)


def test_a_malformed_declaration_id_is_400_and_an_unknown_one_404(registry: Registry) -> None:
    with registry.client() as client:
        assert invalid_names(client.get("/geboorteaangiften/not-a-uuid")) == {"aangifteId"}
        unknown = "/verhuisaangiften/00000000-0000-4000-8000-000000000000"
        assert_problem(client.get(unknown), 404)
