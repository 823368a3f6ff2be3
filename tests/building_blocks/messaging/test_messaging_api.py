"""The messaging block over real HTTP: sending, the recipient's own inbox, idempotency, access."""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from messaging_support import BSN_A, BSN_B, KVK, ORG_A, ORG_B, Messaging, assert_problem

pytestmark = pytest.mark.slow


def inbox_ids(messaging: Messaging, token: str) -> list[str]:
    response = messaging.request("GET", "/messages", token, params={"pageSize": 100})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


# -- sending ----------------------------------------------------------------------------------


def test_send_creates_the_message_with_the_sender_from_the_token(messaging: Messaging) -> None:
    response = messaging.send(("bsn", BSN_A))
    assert response.status_code == 201, response.text
    message = response.json()
    assert response.headers["Location"] == messaging.url(f"/messages/{message['id']}")
    assert response.headers["API-Version"] == "1.0.0"
    assert message["sender"] == {"oin": ORG_A}
    assert message["recipient"] == {"type": "bsn", "identifier": BSN_A}
    assert message["status"] == "unread" and message["readAt"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", message["sentAt"])


@pytest.mark.parametrize("recipient", [("kvk", KVK), ("oin", ORG_B)])
def test_businesses_and_organisations_receive_messages(messaging: Messaging, recipient) -> None:
    response = messaging.send(recipient)
    assert response.status_code == 201, response.text
    assert response.json()["recipient"] == {"type": recipient[0], "identifier": recipient[1]}


def test_the_body_cannot_name_a_sender(messaging: Messaging) -> None:
    response = messaging.request(
        "POST",
        "/messages",
        messaging.org_token(),
        headers={"Idempotency-Key": str(uuid.uuid4())},
        json={
            "recipient": {"type": "bsn", "identifier": BSN_A},
            "subject": "s",
            "body": "b",
            "sender": {"oin": ORG_B},
        },
    )
    assert_problem(response, 400)


@pytest.mark.parametrize(
    ("recipient", "code"),
    [
        (("bsn", "999993654"), "bsn"),  # fails the 11-proef
        (("bsn", "000000000"), "bsn"),  # passes the sum, but is no BSN
        (("bsn", "12345678"), "bsn"),  # 8 digits
        (("kvk", "1234567"), "kvk"),
        (("kvk", "123456789"), "kvk"),
        (("oin", "0000000100123456700"), "oin"),
    ],
)
def test_invalid_recipients_are_rejected_and_nothing_is_sent(
    messaging: Messaging, recipient, code
) -> None:
    token = messaging.org_token(ORG_B)
    before = inbox_ids(messaging, messaging.org_token(ORG_B))
    body = assert_problem(messaging.send(recipient, token=token), 400)
    assert {"name": "recipient.identifier", "code": code} in [
        {"name": p["name"], "code": p["code"]} for p in body["invalidParams"]
    ]
    assert recipient[1] not in str(body)  # the reason never repeats the submitted value
    assert inbox_ids(messaging, messaging.org_token(ORG_B)) == before


def test_an_unknown_recipient_type_is_rejected(messaging: Messaging) -> None:
    assert_problem(messaging.send(("rsin", "123456782")), 400)


def test_only_the_send_scope_may_send(messaging: Messaging) -> None:
    token = messaging.org_token(scope="messaging:read messaging:subscribe")
    response = messaging.send(token=token)
    assert_problem(response, 403)
    assert "insufficient_scope" in response.headers["WWW-Authenticate"]


def test_a_citizen_cannot_send_even_with_the_send_scope(messaging: Messaging) -> None:
    token = messaging.issuer.token(scope="messaging:send", bsn=BSN_A, oin=ORG_A)
    assert_problem(messaging.send(token=token), 403)


def test_a_token_without_an_organisation_cannot_send(messaging: Messaging) -> None:
    token = messaging.issuer.token(scope="messaging:send")
    assert_problem(messaging.send(token=token), 403)


def test_send_requires_json(messaging: Messaging) -> None:
    response = messaging.request(
        "POST",
        "/messages",
        messaging.org_token(),
        headers={"Idempotency-Key": str(uuid.uuid4()), "Content-Type": "text/plain"},
        content=b"hello",
    )
    assert_problem(response, 415)


@pytest.mark.parametrize("payload", [b"{", b"[]", b'{"recipient": null}'])
def test_malformed_bodies_are_400(messaging: Messaging, payload: bytes) -> None:
    response = messaging.request(
        "POST",
        "/messages",
        messaging.org_token(),
        headers={"Idempotency-Key": str(uuid.uuid4()), "Content-Type": "application/json"},
        content=payload,
    )
    assert_problem(response, 400)


def test_types_are_strict(messaging: Messaging) -> None:
    response = messaging.request(
        "POST",
        "/messages",
        messaging.org_token(),
        headers={"Idempotency-Key": str(uuid.uuid4())},
        json={"recipient": {"type": "bsn", "identifier": 999993653}, "subject": "s", "body": "b"},
    )
    assert_problem(response, 400)


# -- idempotency ------------------------------------------------------------------------------


def test_send_without_idempotency_key_is_400_and_sends_nothing(messaging: Messaging) -> None:
    citizen = messaging.citizen_token(BSN_B)
    before = inbox_ids(messaging, citizen)
    response = messaging.request(
        "POST",
        "/messages",
        messaging.org_token(),
        json={"recipient": {"type": "bsn", "identifier": BSN_B}, "subject": "s", "body": "b"},
    )
    body = assert_problem(response, 400)
    assert body["invalidParams"][0]["name"] == "Idempotency-Key"
    assert inbox_ids(messaging, citizen) == before


@pytest.mark.parametrize("key", ["short", "x" * 129, "spaces are not allowed here"])
def test_malformed_idempotency_keys_are_400(messaging: Messaging, key: str) -> None:
    assert_problem(messaging.send(key=key), 400)


def test_a_replay_returns_the_original_and_creates_nothing(messaging: Messaging) -> None:
    key = str(uuid.uuid4())
    citizen = messaging.citizen_token(BSN_B)
    first = messaging.send(("bsn", BSN_B), key=key)
    assert first.status_code == 201
    before = inbox_ids(messaging, citizen)
    replay = messaging.send(("bsn", BSN_B), key=key)
    assert replay.status_code == 200, replay.text
    assert replay.json() == first.json()
    assert replay.headers["Location"] == first.headers["Location"]
    assert inbox_ids(messaging, citizen) == before
    assert before.count(first.json()["id"]) == 1


def test_the_same_key_with_another_body_is_a_conflict(messaging: Messaging) -> None:
    key = str(uuid.uuid4())
    citizen = messaging.citizen_token(BSN_B)
    assert messaging.send(("bsn", BSN_B), key=key, subject="first").status_code == 201
    before = inbox_ids(messaging, citizen)
    assert_problem(messaging.send(("bsn", BSN_B), key=key, subject="second"), 409)
    assert inbox_ids(messaging, citizen) == before


def test_keys_belong_to_one_sender(messaging: Messaging) -> None:
    key = str(uuid.uuid4())
    first = messaging.send(key=key)
    other = messaging.send(key=key, token=messaging.org_token(ORG_B))
    assert (first.status_code, other.status_code) == (201, 201)
    assert first.json()["id"] != other.json()["id"]
    assert other.json()["sender"] == {"oin": ORG_B}


# -- the inbox ----------------------------------------------------------------------------------


def test_citizens_see_only_their_own_inbox(messaging: Messaging) -> None:
    mine = messaging.send(("bsn", BSN_A)).json()["id"]
    theirs = messaging.send(("bsn", BSN_B)).json()["id"]
    a_inbox = inbox_ids(messaging, messaging.citizen_token(BSN_A))
    b_inbox = inbox_ids(messaging, messaging.citizen_token(BSN_B))
    assert mine in a_inbox and theirs not in a_inbox
    assert theirs in b_inbox and mine not in b_inbox


def test_the_inbox_listing_leaves_out_the_text(messaging: Messaging) -> None:
    messaging.send(("bsn", BSN_A))
    items = messaging.request("GET", "/messages", messaging.citizen_token()).json()["items"]
    assert items and all("body" not in item and "recipient" not in item for item in items)


def test_another_citizens_message_is_404_everywhere(messaging: Messaging) -> None:
    message_id = messaging.send(("bsn", BSN_B)).json()["id"]
    intruder = messaging.citizen_token(BSN_A)
    assert_problem(messaging.request("GET", f"/messages/{message_id}", intruder), 404)
    assert_problem(
        messaging.request(
            "PUT", f"/messages/{message_id}/read-status", intruder, json={"read": True}
        ),
        404,
    )
    assert_problem(messaging.request("DELETE", f"/messages/{message_id}", intruder), 404)
    # ... and it is untouched for its recipient.
    owner = messaging.citizen_token(BSN_B)
    message = messaging.request("GET", f"/messages/{message_id}", owner).json()
    assert message["status"] == "unread"


def test_a_foreign_message_looks_exactly_like_an_unknown_one(messaging: Messaging) -> None:
    message_id = messaging.send(("bsn", BSN_B)).json()["id"]
    intruder = messaging.citizen_token(BSN_A)
    foreign = messaging.request("GET", f"/messages/{message_id}", intruder).json()
    unknown = messaging.request("GET", f"/messages/{uuid.uuid4()}", intruder).json()
    assert foreign == unknown


def test_a_token_without_an_identity_has_no_inbox(messaging: Messaging) -> None:
    token = messaging.issuer.token(scope="messaging:read")
    assert_problem(messaging.request("GET", "/messages", token), 403)


def test_a_malformed_bsn_claim_opens_no_inbox(messaging: Messaging) -> None:
    token = messaging.issuer.token(scope="messaging:read", bsn="999993654")
    assert_problem(messaging.request("GET", "/messages", token), 403)


def test_reading_needs_the_read_scope(messaging: Messaging) -> None:
    token = messaging.citizen_token(scope="messaging:subscribe")
    assert_problem(messaging.request("GET", "/messages", token), 403)


def test_malformed_message_ids_are_400(messaging: Messaging) -> None:
    token = messaging.citizen_token()
    assert_problem(messaging.request("GET", "/messages/not-a-uuid", token), 400)
    upper = str(uuid.uuid4()).upper()
    assert_problem(messaging.request("GET", f"/messages/{upper}", token), 400)


def test_the_sender_reads_what_it_sent_but_may_not_mark_or_delete(messaging: Messaging) -> None:
    message_id = messaging.send(("bsn", BSN_A)).json()["id"]
    sender = messaging.org_token(ORG_A)
    got = messaging.request("GET", f"/messages/{message_id}", sender)
    assert got.status_code == 200 and got.json()["id"] == message_id
    mark = messaging.request(
        "PUT", f"/messages/{message_id}/read-status", sender, json={"read": True}
    )
    assert_problem(mark, 403)
    assert_problem(messaging.request("DELETE", f"/messages/{message_id}", sender), 403)
    # Another organisation, even one allowed to send, does not see it.
    other = messaging.org_token(ORG_B)
    assert_problem(messaging.request("GET", f"/messages/{message_id}", other), 404)


def test_an_organisation_reads_its_own_inbox(messaging: Messaging) -> None:
    message_id = messaging.send(("oin", ORG_B)).json()["id"]
    assert message_id in inbox_ids(messaging, messaging.org_token(ORG_B))
    assert message_id not in inbox_ids(messaging, messaging.org_token(ORG_A))


def test_a_business_reads_its_own_inbox(messaging: Messaging) -> None:
    message_id = messaging.send(("kvk", KVK)).json()["id"]
    business = messaging.issuer.token(scope="messaging:read", kvk=KVK)
    assert message_id in inbox_ids(messaging, business)


# -- read status and deletion -------------------------------------------------------------------


def test_marking_read_and_unread(messaging: Messaging) -> None:
    message_id = messaging.send(("bsn", BSN_A)).json()["id"]
    citizen = messaging.citizen_token(BSN_A)
    path = f"/messages/{message_id}/read-status"
    first = messaging.request("PUT", path, citizen, json={"read": True})
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "read"
    read_at = first.json()["readAt"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", read_at)
    again = messaging.request("PUT", path, citizen, json={"read": True})
    assert again.json()["readAt"] == read_at  # idempotent: the first moment stays
    unread = messaging.request("PUT", path, citizen, json={"read": False})
    assert unread.json()["status"] == "unread" and unread.json()["readAt"] is None
    listed = messaging.request("GET", "/messages", citizen, params={"status": "unread"}).json()
    assert message_id in [item["id"] for item in listed["items"]]


@pytest.mark.parametrize("payload", [{"read": "true"}, {"read": 1}, {}, {"read": True, "x": 1}])
def test_the_read_status_body_is_validated(messaging: Messaging, payload) -> None:
    message_id = messaging.send(("bsn", BSN_A)).json()["id"]
    response = messaging.request(
        "PUT", f"/messages/{message_id}/read-status", messaging.citizen_token(), json=payload
    )
    assert_problem(response, 400)


def test_a_delete_is_effective_for_everyone(messaging: Messaging) -> None:
    message_id = messaging.send(("bsn", BSN_A)).json()["id"]
    citizen = messaging.citizen_token(BSN_A)
    deleted = messaging.request("DELETE", f"/messages/{message_id}", citizen)
    assert deleted.status_code == 204 and deleted.content == b""
    assert deleted.headers["API-Version"] == "1.0.0"
    assert_problem(messaging.request("GET", f"/messages/{message_id}", citizen), 404)
    assert_problem(messaging.request("GET", f"/messages/{message_id}", messaging.org_token()), 404)
    assert message_id not in inbox_ids(messaging, citizen)
    mark = messaging.request(
        "PUT", f"/messages/{message_id}/read-status", citizen, json={"read": True}
    )
    assert_problem(mark, 404)
    assert_problem(messaging.request("DELETE", f"/messages/{message_id}", citizen), 404)


# -- pagination ---------------------------------------------------------------------------------


def test_pages_cover_the_inbox_once_in_a_stable_order(messaging: Messaging) -> None:
    bsn = "111222333"
    sent = {messaging.send(("bsn", bsn)).json()["id"] for _ in range(7)}
    citizen = messaging.citizen_token(bsn)
    seen: list[dict] = []
    for page in (1, 2, 3):
        response = messaging.request(
            "GET", "/messages", citizen, params={"page": page, "pageSize": 3}
        )
        assert response.status_code == 200
        body = response.json()
        assert body["pagination"] == {
            "page": page,
            "pageSize": 3,
            "totalItems": 7,
            "totalPages": 3,
        }
        assert ("prev" in body["links"]) == (page > 1)
        assert ("next" in body["links"]) == (page < 3)
        seen.extend(body["items"])
    assert {item["id"] for item in seen} == sent and len(seen) == 7
    # Newest first, ties broken by id ascending (a stable sort on id, then on time).
    expected = sorted(seen, key=lambda item: item["id"])
    expected.sort(key=lambda item: item["sentAt"], reverse=True)
    assert seen == expected
    again = messaging.request("GET", "/messages", citizen, params={"page": 2, "pageSize": 3})
    assert again.json()["items"] == seen[3:6]
    past = messaging.request("GET", "/messages", citizen, params={"page": 4, "pageSize": 3})
    assert past.status_code == 200 and past.json()["items"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"page": 0},
        {"page": -1},
        {"page": "abc"},
        {"page": 100001},
        {"pageSize": 0},
        {"pageSize": 101},
        {"status": "gelezen"},
    ],
)
def test_out_of_range_paging_is_400(messaging: Messaging, params) -> None:
    response = messaging.request("GET", "/messages", messaging.citizen_token(), params=params)
    assert_problem(response, 400)


def test_page_links_carry_the_filter(messaging: Messaging) -> None:
    response = messaging.request(
        "GET", "/messages", messaging.citizen_token(), params={"status": "read", "pageSize": 5}
    )
    assert response.json()["links"]["self"]["href"] == (
        "/messaging/v1/messages?page=1&pageSize=5&status=read"
    )


# -- tokens -------------------------------------------------------------------------------------


def test_no_token_is_401_with_a_challenge(messaging: Messaging) -> None:
    response = messaging.request("GET", "/messages")
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "make_token",
    [
        lambda issuer: "not-a-jwt",
        lambda issuer: issuer.token(scope="messaging:read", bsn=BSN_A, expires_in=-120),
        lambda issuer: issuer.token(scope="messaging:read", bsn=BSN_A, aud="urn:nld:gdi:other"),
        lambda issuer: issuer.token(scope="messaging:read", bsn=BSN_A, iss="https://evil.example"),
        lambda issuer: issuer.token(scope="messaging:read", bsn=BSN_A, key=_stranger_key()),
    ],
    ids=["malformed", "expired", "wrong-audience", "wrong-issuer", "unknown-key"],
)
def test_invalid_tokens_are_401(messaging: Messaging, make_token) -> None:
    token = make_token(messaging.issuer)
    response = messaging.request("GET", "/messages", token)
    assert_problem(response, 401)
    assert token not in response.text


def _stranger_key():
    from support.issuer import new_rsa_key

    return new_rsa_key()


def test_a_token_in_the_query_string_is_rejected(messaging: Messaging) -> None:
    token = messaging.citizen_token()
    response = messaging.client.get(messaging.url("/messages"), params={"access_token": token})
    assert response.status_code in (400, 401)
    assert_problem(response, response.status_code)
    assert token not in response.text


def test_the_spec_is_public(messaging: Messaging) -> None:
    response = messaging.client.get(messaging.url("/openapi.json"))
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.json()["servers"][0]["url"].endswith("/messaging/v1")


def test_concurrent_sends_with_one_key_create_one_message(messaging: Messaging) -> None:
    key = str(uuid.uuid4())
    bsn = "999990032"
    token = messaging.org_token()
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(
            pool.map(lambda _: messaging.send(("bsn", bsn), token=token, key=key), range(8))
        )
    assert sorted(response.status_code for response in responses) == [200] * 7 + [201]
    assert len({response.json()["id"] for response in responses}) == 1
    assert len(inbox_ids(messaging, messaging.citizen_token(bsn))) == 1
