"""Helpers of the registries tests: a client for the running register, request bodies, and
problem assertions. (A module of its own: ``conftest`` is not a unique name to import.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from support.issuer import FakeIssuer
from support.services import RunningBlocks

AUDIENCE = "urn:nld:gdi:registries"
READ = "registries:read"
DECLARE = "registries:declare"
SEARCH = "registries:search"
PURPOSE = "doelbinding:burgerzaken"
SEARCHER = f"{READ} {SEARCH} {PURPOSE}"  # an organisation that may search (with a purpose)
OIN = "00000001001234567000"  # gemeente-utrecht's: an organisation's token carries its OIN

ANNA = "999993653"  # Anna Maria Jansen, Oudegracht 12, 3511AB Utrecht: mother of two
PIETER = "999990019"  # Pieter de Vries, Anna's partner, father of her children


@dataclass
class Registry:
    base_url: str
    issuer: FakeIssuer
    services: RunningBlocks

    def token(self, scope: str = f"{READ} {DECLARE}", **claims: Any) -> str:
        """An organisation's token by default; ``oin=None`` makes it a citizen's (with ``bsn``)."""
        claims.setdefault("aud", AUDIENCE)
        claims.setdefault("sub", "gemeente-utrecht")
        claims.setdefault("oin", OIN)
        if claims["oin"] is None:
            del claims["oin"]
        return self.issuer.token(scope=scope, **claims)

    def client(self, scope: str = f"{READ} {DECLARE}", **claims: Any) -> httpx.Client:
        token = self.token(scope, **claims)
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
            trust_env=False,
        )

    def query(self, body: dict[str, Any], **params: Any) -> httpx.Response:
        with self.client(SEARCHER) as client:
            return client.post("/personen", json=body, params=params)

    def persons(self, body: dict[str, Any], **params: Any) -> list[dict[str, Any]]:
        response = self.query(body, **params)
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()["personen"]
        return found

    def person(self, bsn: str, *fields: str) -> dict[str, Any]:
        found = self.persons(by_bsn([bsn], *fields))
        assert len(found) == 1, found
        return found[0]


def by_bsn(bsns: list[str], *fields: str) -> dict[str, Any]:
    return {
        "type": "RaadpleegMetBurgerservicenummer",
        "burgerservicenummer": bsns,
        "fields": list(fields) or ["burgerservicenummer"],
    }


def birth(mother: str, other: str | None = None, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "naam": {"voornamen": "Sophie", "geslachtsnaam": "Jansen"},
        "geslacht": "V",
        "geboorte": {"datum": "2024-03-01", "plaats": "Utrecht"},
        "moeder": {"burgerservicenummer": mother},
    }
    if other is not None:
        body["andereOuder"] = {"burgerservicenummer": other}
    body.update(changes)
    return body


def move(bsn: str, starts: str = "2024-06-01", **address: Any) -> dict[str, Any]:
    new = {
        "straat": "Biltstraat",
        "huisnummer": 101,
        "postcode": "3572AP",
        "woonplaats": "Utrecht",
        "datumAanvangAdreshouding": starts,
    }
    new.update(address)
    return {"burgerservicenummer": bsn, "verblijfplaats": new}


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def invalid_names(response: httpx.Response) -> set[str]:
    body = assert_problem(response, 400)
    return {param["name"] for param in body["invalidParams"]}
