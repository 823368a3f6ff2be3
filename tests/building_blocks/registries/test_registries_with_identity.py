"""The register behind the real identity block: tokens obtained the way the harness obtains
them (private_key_jwt client credentials, and the citizen code flow with PKCE)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from registries_helpers import ANNA, PIETER, assert_problem, birth, by_bsn
from support.services import running_blocks

from conformance.client.oauth import client_credentials_token
from conformance.client.oauth_code import citizen_token
from conformance.paths import seed_root

pytestmark = pytest.mark.slow

KEYS = seed_root() / "identity" / "keys"


@dataclass
class Stack:
    identity_url: str
    registries_url: str

    def organisation(self, client_id: str, *scopes: str) -> httpx.Client:
        token = client_credentials_token(
            self.identity_url, client_id, KEYS / f"{client_id}.key.pem", scopes
        )
        return self._client(token)

    def citizen(self, bsn: str, *scopes: str) -> httpx.Client:
        token = citizen_token(
            self.identity_url,
            "burger-portaal",
            KEYS / "burger-portaal.key.pem",
            bsn=bsn,
            scopes=("openid", *scopes),
        )
        return self._client(token)

    def _client(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.registries_url,
            headers={"Authorization": f"Bearer {token}"},
            trust_env=False,
            timeout=30,
        )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("stack")
    with running_blocks(tmp, ("identity", "registries")) as services:
        yield Stack(services.base_url("identity"), services.base_url("registries"))


def test_an_organisation_token_reads_and_declares(stack: Stack) -> None:
    with stack.organisation(
        "gemeente-utrecht", "registries:read", "registries:declare"
    ) as gemeente:
        found = gemeente.post("/personen", json=by_bsn([ANNA], "naam.geslachtsnaam"))
        assert found.status_code == 200, found.text
        assert found.json()["personen"] == [{"naam": {"geslachtsnaam": "Jansen"}}]
        declared = gemeente.post("/geboorteaangiften", json=birth(ANNA))
        assert declared.status_code == 201, declared.text
        assert gemeente.get(declared.headers["Location"]).status_code == 200
    with stack.organisation("harness-tweede-org", "registries:declare") as other:
        assert_problem(other.get(declared.headers["Location"]), 404)


def test_a_token_scoped_to_reading_cannot_declare(stack: Stack) -> None:
    with stack.organisation("gemeente-utrecht", "registries:read") as reader:
        assert_problem(reader.post("/geboorteaangiften", json=birth(ANNA)), 403)


def test_a_token_for_messaging_is_not_accepted_by_the_register(stack: Stack) -> None:
    with stack.organisation("gemeente-utrecht", "messaging:send") as messenger:
        assert_problem(messenger.post("/personen", json=by_bsn([ANNA])), 401)


def test_a_citizen_portal_token_reads_but_cannot_declare(stack: Stack) -> None:
    with stack.citizen(ANNA, "registries:read") as portal:
        assert portal.post("/personen", json=by_bsn([ANNA])).status_code == 200
        assert_problem(portal.post("/geboorteaangiften", json=birth(ANNA)), 403)


SEARCH_BY_ADDRESS = {
    "type": "ZoekMetPostcodeEnHuisnummer",
    "postcode": "3511AB",
    "huisnummer": 12,
    "fields": ["burgerservicenummer"],
}


def test_the_identity_block_issues_the_purpose_that_lets_an_organisation_search(
    stack: Stack,
) -> None:
    scopes = ("registries:read", "registries:search", "doelbinding:burgerzaken")
    with stack.organisation("gemeente-utrecht", *scopes) as gemeente:
        found = gemeente.post("/personen", json=SEARCH_BY_ADDRESS)
    assert found.status_code == 200, found.text
    assert ANNA in [person["burgerservicenummer"] for person in found.json()["personen"]]
    # A token that does not carry the purpose does not search, whoever asks.
    with stack.organisation("harness-tweede-org", "registries:read", "registries:search") as other:
        assert_problem(other.post("/personen", json=SEARCH_BY_ADDRESS), 403)


def test_a_citizen_portal_token_reads_only_the_citizen(stack: Stack) -> None:
    with stack.citizen(ANNA, "registries:read") as portal:
        assert_problem(portal.post("/personen", json=by_bsn([PIETER])), 403)
        assert_problem(portal.post("/personen", json=SEARCH_BY_ADDRESS), 403)
