"""Who may see whom (GDI-REG-029): a citizen sees only themselves and their minor children and
never searches; an organisation searches only with registries:search and a purpose."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import httpx
import pytest
from registries_helpers import (
    ANNA,
    DECLARE,
    PIETER,
    PURPOSE,
    READ,
    SEARCH,
    SEARCHER,
    Registry,
    assert_problem,
    birth,
    by_bsn,
)

from building_blocks.common import AccessToken, ProblemError
from building_blocks.common.auth import TokenVerifier
from building_blocks.registries import access, store
from conformance.paths import seed_root

LOTTE = "999990020"  # Anna's daughter, born 2008-06-21
DAAN = "999990032"  # Anna's son, born 2011-01-30
BY_ADDRESS = {
    "type": "ZoekMetPostcodeEnHuisnummer",
    "postcode": "3511AB",
    "huisnummer": 12,
    "fields": ["burgerservicenummer"],
}
BY_NAME = {
    "type": "ZoekMetGeslachtsnaamEnGeboortedatum",
    "geslachtsnaam": "Jansen",
    "geboortedatum": "1980-04-12",
    "fields": ["burgerservicenummer"],
}


# -- the rules, without HTTP ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "adult_since"),
    [("2026-12-05", "2008-12-05"), ("2028-02-29", "2010-02-28"), ("2026-03-01", "2008-03-01")],
)
def test_adults_are_born_eighteen_years_ago_or_earlier(today: str, adult_since: str) -> None:
    assert access.adult_since(dt.date.fromisoformat(today)) == adult_since


def test_minor_children_are_the_children_under_eighteen(tmp_path: Path) -> None:
    db = store.open_register(tmp_path, seed_root() / "registries" / "persons.yaml")
    try:
        before = access.minor_children(db, ANNA, dt.date(2026, 6, 20))
        on_birthday = access.minor_children(db, ANNA, dt.date(2026, 6, 21))
        assert before == {LOTTE, DAAN}
        assert on_birthday == {DAAN}  # Lotte is 18 on 21 June 2026
        assert access.minor_children(db, DAAN, dt.date(2026, 6, 21)) == set()
    finally:
        db.close()


def _token(scopes: str, **claims: Any) -> AccessToken:
    return AccessToken(
        claims=claims,
        scopes=frozenset(scopes.split()),
        subject="someone",
        client_id="client",
        oin=claims.get("oin"),
        bsn=claims.get("bsn"),
        expires_at=0,
    )


def test_purposes_are_the_non_empty_doelbinding_scopes() -> None:
    token = _token(f"{READ} doelbinding: doelbinding:burgerzaken doelbinding:belastingen")
    assert access.purposes(token) == ["belastingen", "burgerzaken"]


@pytest.mark.parametrize(
    ("scopes", "claims", "query", "allowed"),
    [
        (READ, {"oin": "1"}, by_bsn([PIETER]), True),
        (READ, {"oin": "1"}, BY_ADDRESS, False),
        (f"{READ} {SEARCH}", {"oin": "1"}, BY_ADDRESS, False),
        (f"{READ} {PURPOSE}", {"oin": "1"}, BY_NAME, False),
        (SEARCHER, {"oin": "1"}, BY_NAME, True),
        (SEARCHER, {"bsn": ANNA}, BY_ADDRESS, False),
        (READ, {"bsn": ANNA}, by_bsn([ANNA]), True),
        (READ, {"bsn": ANNA}, by_bsn([ANNA, DAAN]), True),
        (READ, {"bsn": ANNA}, by_bsn([ANNA, PIETER]), False),
        (READ, {"bsn": ANNA}, by_bsn([LOTTE]), False),
        (READ, {}, by_bsn([ANNA]), False),  # a citizen's token that does not say who
    ],
)
def test_who_may_ask_what(
    tmp_path: Path, scopes: str, claims: dict[str, str], query: dict[str, Any], allowed: bool
) -> None:
    db = store.open_register(tmp_path, seed_root() / "registries" / "persons.yaml")
    verifier = TokenVerifier(issuer="https://idp.example", audience="urn:nld:gdi:registries")
    try:
        ask = lambda: access.authorise_query(  # noqa: E731
            db, verifier, _token(scopes, **claims), query, dt.date(2026, 12, 5)
        )
        if allowed:
            ask()
        else:
            with pytest.raises(ProblemError) as refused:
                ask()
            assert refused.value.status == 403
    finally:
        db.close()


# -- the running register ------------------------------------------------------------------------


def _citizen(registry: Registry, bsn: str) -> httpx.Client:
    return registry.client(READ, oin=None, bsn=bsn, sub="pairwise-subject", azp="burger-portaal")


@pytest.mark.slow
def test_a_citizen_reads_herself_and_her_minor_child_only(registry: Registry) -> None:
    with registry.client(DECLARE) as gemeente:
        declared = gemeente.post("/geboorteaangiften", json=birth(ANNA))  # born 2024-03-01
    assert declared.status_code == 201, declared.text
    child = declared.json()["burgerservicenummer"]
    with _citizen(registry, ANNA) as anna:
        found = anna.post("/personen", json=by_bsn([ANNA, child]))
        assert found.status_code == 200, found.text
        assert [p["burgerservicenummer"] for p in found.json()["personen"]] == sorted([ANNA, child])
        for numbers in ([PIETER], [ANNA, PIETER], [LOTTE], ["999999990"]):
            refused = assert_problem(anna.post("/personen", json=by_bsn(numbers)), 403)
            assert "personen" not in refused and PIETER not in str(refused)
        for search in (BY_ADDRESS, BY_NAME):
            assert_problem(anna.post("/personen", json=search), 403)
    with _citizen(registry, child) as baby:  # the child does not see its mother
        assert_problem(baby.post("/personen", json=by_bsn([ANNA])), 403)


@pytest.mark.slow
@pytest.mark.parametrize("search", [BY_ADDRESS, BY_NAME], ids=["address", "name"])
def test_an_organisation_searches_only_with_a_purpose(registry: Registry, search: Any) -> None:
    for scopes in (READ, f"{READ} {SEARCH}", f"{READ} {PURPOSE}"):
        with registry.client(scopes) as organisation:
            response = organisation.post("/personen", json=search)
        problem = assert_problem(response, 403)
        assert SEARCH in problem["detail"]
        assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    with registry.client(SEARCHER) as organisation:
        found = organisation.post("/personen", json=search)
    assert found.status_code == 200, found.text
    assert ANNA in [person["burgerservicenummer"] for person in found.json()["personen"]]
