"""Messaging with real tokens of the reference identity block (the seed clients), end to end."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from messaging_support import BSN_A, BSN_B, assert_problem, receiver
from support.services import RunningBlocks, running_blocks

from conformance.client.oauth import client_credentials_token
from conformance.client.oauth_code import citizen_token
from conformance.paths import seed_root

pytestmark = pytest.mark.slow

KEYS = seed_root() / "identity" / "keys"
UTRECHT_OIN = "00000001001234567000"


@dataclass
class World:
    blocks: RunningBlocks
    http: httpx.Client

    @property
    def messaging(self) -> str:
        return self.blocks.base_url("messaging")

    @property
    def identity(self) -> str:
        return self.blocks.base_url("identity")

    def organisation(self, client_id: str, scopes: tuple[str, ...]) -> str:
        key = KEYS / f"{client_id}.key.pem"
        return client_credentials_token(self.identity, client_id, key, scopes)

    def citizen(self, client_id: str, bsn: str) -> str:
        key = KEYS / f"{client_id}.key.pem"
        return citizen_token(self.identity, client_id, key, bsn=bsn, scopes=("messaging:read",))

    def call(self, method: str, path: str, token: str, **kwargs) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return self.http.request(method, f"{self.messaging}{path}", headers=headers, **kwargs)

    def send(self, token: str, bsn: str) -> httpx.Response:
        return self.call(
            "POST",
            "/messages",
            token,
            headers={"Idempotency-Key": str(uuid.uuid4())},
            json={
                "recipient": {"type": "bsn", "identifier": bsn},
                "subject": "Uw paspoort is klaar",
                "body": "U kunt het ophalen.",
            },
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("with-identity")
    with (
        running_blocks(tmp, ("identity", "messaging")) as blocks,
        httpx.Client(timeout=10, trust_env=False) as http,
    ):
        yield World(blocks, http)


def test_an_organisation_sends_and_only_the_citizen_reads(world: World) -> None:
    utrecht = world.organisation("gemeente-utrecht", ("messaging:send",))
    sent = world.send(utrecht, BSN_A)
    assert sent.status_code == 201, sent.text
    message = sent.json()
    assert message["sender"] == {"oin": UTRECHT_OIN}

    citizen_a = world.citizen("burger-portaal", BSN_A)
    listed = world.call("GET", "/messages", citizen_a).json()
    assert message["id"] in [item["id"] for item in listed["items"]]
    read = world.call(
        "PUT", f"/messages/{message['id']}/read-status", citizen_a, json={"read": True}
    )
    assert read.status_code == 200 and read.json()["status"] == "read"

    citizen_b = world.citizen("burger-portaal", BSN_B)
    assert message["id"] not in [
        item["id"] for item in world.call("GET", "/messages", citizen_b).json()["items"]
    ]
    assert_problem(world.call("GET", f"/messages/{message['id']}", citizen_b), 404)
    assert_problem(world.call("DELETE", f"/messages/{message['id']}", citizen_b), 404)

    # The sender sees its message (and that it was read); another organisation does not.
    seen = world.call("GET", f"/messages/{message['id']}", utrecht)
    assert seen.status_code == 200 and seen.json()["status"] == "read"
    other = world.organisation("harness-tweede-org", ("messaging:send",))
    assert_problem(world.call("GET", f"/messages/{message['id']}", other), 404)

    assert world.call("DELETE", f"/messages/{message['id']}", citizen_a).status_code == 204
    assert_problem(world.call("GET", f"/messages/{message['id']}", utrecht), 404)


def test_a_citizen_token_cannot_send(world: World) -> None:
    citizen = world.citizen("burger-portaal", BSN_A)
    assert_problem(world.send(citizen, BSN_B), 403)


def test_a_portal_that_may_not_see_the_bsn_opens_no_inbox(world: World) -> None:
    token = world.citizen("buurt-app", BSN_A)
    assert_problem(world.call("GET", "/messages", token), 403)


def test_an_organisation_without_the_read_scope_lists_nothing(world: World) -> None:
    utrecht = world.organisation("gemeente-utrecht", ("messaging:send", "messaging:subscribe"))
    assert_problem(world.call("GET", "/messages", utrecht), 403)


def test_an_identity_token_for_another_audience_is_refused(world: World) -> None:
    registries = world.organisation("gemeente-utrecht", ("registries:read",))
    assert_problem(world.send(registries, BSN_A), 401)


def test_the_subscriber_is_notified_and_fetches_with_its_own_token(world: World) -> None:
    utrecht = world.organisation("gemeente-utrecht", ("messaging:send", "messaging:subscribe"))
    with receiver() as callback:
        created = world.call("POST", "/subscriptions", utrecht, json={"callbackUrl": callback.url})
        assert created.status_code == 201, created.text
        message_id = world.send(utrecht, BSN_B).json()["id"]
        assert callback.wait_for(
            lambda got: any(item.event()["subject"] == message_id for item in got)
        )
        event = next(e for e in callback.events() if e["subject"] == message_id)
        ended = world.call("DELETE", f"/subscriptions/{created.json()['id']}", utrecht)
        assert ended.status_code == 204
    fetched = world.http.get(event["dataref"], headers={"Authorization": f"Bearer {utrecht}"})
    assert fetched.status_code == 200 and fetched.json()["id"] == message_id
