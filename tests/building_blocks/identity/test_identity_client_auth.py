"""Client authentication with private_key_jwt (GDI-IDN-010..014) at the token endpoint."""

from __future__ import annotations

import base64
import time

import httpx
import pytest
from identity_support import JWT_BEARER, Identity

pytestmark = pytest.mark.slow

ORG = "gemeente-utrecht"


def token_with(identity: Identity, **assertion_args: object) -> httpx.Response:
    form = {"grant_type": "client_credentials", **identity.auth_form(ORG, **assertion_args)}
    return identity.post("token", form)


def assert_invalid_client(response: httpx.Response, mentions: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error"] == "invalid_client"
    assert mentions in body["error_description"]
    # The same object is a problem document as well (profile exception GDI-IDN-X01).
    assert body["status"] == 401 and body["title"] and body["detail"]
    assert response.headers["api-version"] == "1.0.0"
    assert "no-store" in response.headers["cache-control"]


def test_a_correct_assertion_is_accepted(identity: Identity) -> None:
    assert token_with(identity).status_code == 200


def test_the_issuer_is_accepted_as_audience(identity: Identity) -> None:
    assert token_with(identity, aud=identity.issuer).status_code == 200
    assert token_with(identity, aud=["urn:other", identity.url("token")]).status_code == 200


def test_shared_secret_in_basic_header_is_rejected(identity: Identity) -> None:
    basic = base64.b64encode(f"{ORG}:geheim".encode()).decode()
    response = identity.post(
        "token", {"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert_invalid_client(response, "Shared client secrets")


def test_shared_secret_in_body_is_rejected_even_with_an_assertion(identity: Identity) -> None:
    form = {"grant_type": "client_credentials", "client_id": ORG, "client_secret": "geheim"}
    assert_invalid_client(identity.post("token", form), "Shared client secrets")
    form.update(identity.auth_form(ORG))
    assert_invalid_client(identity.post("token", form), "Shared client secrets")


def test_missing_assertion_is_rejected(identity: Identity) -> None:
    response = identity.post("token", {"grant_type": "client_credentials", "client_id": ORG})
    assert_invalid_client(response, "private_key_jwt is required")


def test_wrong_assertion_type_is_rejected(identity: Identity) -> None:
    form = {"grant_type": "client_credentials", **identity.auth_form(ORG)}
    form["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"
    assert_invalid_client(identity.post("token", form), "client_assertion_type")


def test_wrong_audience_is_rejected(identity: Identity) -> None:
    assert_invalid_client(token_with(identity, aud="https://elders.example/token"), "aud")
    assert_invalid_client(token_with(identity, aud=identity.url("introspect")), "aud")


def test_expired_assertion_is_rejected(identity: Identity) -> None:
    issued = int(time.time()) - 600
    assert_invalid_client(token_with(identity, issued=issued, lifetime=60), "expired")


def test_assertion_living_too_long_is_rejected(identity: Identity) -> None:
    assert_invalid_client(token_with(identity, lifetime=3600), "expire within")


def test_replayed_assertion_is_rejected(identity: Identity) -> None:
    form = {"grant_type": "client_credentials", **identity.auth_form(ORG)}
    assert identity.post("token", form).status_code == 200
    assert_invalid_client(identity.post("token", form), "replayed")


def test_replay_is_judged_by_jti(identity: Identity) -> None:
    assert token_with(identity, jti="vaste-jti-voor-replay").status_code == 200
    assert_invalid_client(token_with(identity, jti="vaste-jti-voor-replay"), "replayed")


def test_assertion_signed_with_another_clients_key_is_rejected(identity: Identity) -> None:
    response = token_with(identity, key_of="harness-tweede-org")
    assert_invalid_client(response, "not signed by a key registered")


def test_sub_other_than_the_client_is_rejected(identity: Identity) -> None:
    assert_invalid_client(token_with(identity, sub="harness-tweede-org"), "sub must equal")


def test_unknown_client_is_rejected(identity: Identity) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": JWT_BEARER,
        "client_assertion": identity.assertion("onbekend", key_of=ORG),
    }
    assert_invalid_client(identity.post("token", form), "not a registered client")


def test_client_id_contradicting_the_assertion_is_rejected(identity: Identity) -> None:
    form = {"grant_type": "client_credentials", "client_id": "harness-tweede-org"}
    form.update(identity.auth_form(ORG))
    assert_invalid_client(identity.post("token", form), "client_id does not match")


def test_unsigned_assertion_is_rejected(identity: Identity) -> None:
    import jwt

    unsigned = jwt.encode(
        {"iss": ORG, "sub": ORG, "aud": identity.url("token"), "exp": int(time.time()) + 60,
         "jti": "x"},
        key=None,
        algorithm="none",
    )  # fmt: skip
    form = {"grant_type": "client_credentials", "client_assertion_type": JWT_BEARER}
    form["client_assertion"] = unsigned
    assert_invalid_client(identity.post("token", form), "RS256, PS256 or ES256")


def test_problem_json_is_served_to_clients_that_ask_for_it(identity: Identity) -> None:
    response = identity.post(
        "token",
        {"grant_type": "client_credentials"},
        headers={"Accept": "application/problem+json"},
    )
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["error"] == "invalid_client"
