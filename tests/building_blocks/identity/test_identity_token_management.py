"""Introspection, revocation and userinfo (GDI-IDN-040..044)."""

from __future__ import annotations

import secrets

import pytest
from identity_support import CITIZEN_BSN, PORTAL, Identity

pytestmark = pytest.mark.slow


def test_introspection_requires_client_authentication(identity: Identity) -> None:
    token = identity.organisation_token()
    response = identity.post("introspect", {"token": token})
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "invalid_client"
    assert "active" not in body and "sub" not in body
    bad_aud = identity.auth_form("gemeente-utrecht", aud="https://elders.example")
    assert identity.post("introspect", {"token": token, **bad_aud}).status_code == 401


def test_introspection_of_an_active_token(identity: Identity) -> None:
    token = identity.organisation_token(scope="registries:read")
    response = identity.introspect(token, client_id="harness-tweede-org")
    assert response.status_code == 200
    body = response.json()
    assert body["active"] is True
    assert body["client_id"] == "gemeente-utrecht" and body["scope"] == "registries:read"
    assert body["iss"] == identity.issuer and body["aud"] == ["urn:nld:gdi:registries"]
    assert len(body["jti"]) >= 22


@pytest.mark.parametrize(
    "token",
    ["niet-een-token", "a.b.c", "eyJhbGciOiJub25lIn0.eyJqdGkiOiJ4In0."],
)
def test_unknown_and_malformed_tokens_are_inactive(identity: Identity, token: str) -> None:
    response = identity.introspect(token)
    assert response.status_code == 200
    assert response.json() == {"active": False}


def test_bsn_in_introspection_only_for_callers_allowed_to_see_it(identity: Identity) -> None:
    token = identity.citizen_tokens()["access_token"]
    assert identity.introspect(token, client_id=PORTAL).json()["bsn"] == CITIZEN_BSN
    assert "bsn" not in identity.introspect(token, client_id="gemeente-utrecht").json()


def test_revoked_token_is_inactive_and_refused(identity: Identity) -> None:
    tokens = identity.citizen_tokens()
    access_token = tokens["access_token"]
    userinfo = identity.http.get(
        identity.url("userinfo"), headers={"Authorization": f"Bearer {access_token}"}
    )
    assert userinfo.status_code == 200
    response = identity.post("revoke", {"token": access_token, **identity.auth_form(PORTAL)})
    assert response.status_code == 200 and response.content == b""
    assert identity.introspect(access_token).json() == {"active": False}
    userinfo = identity.http.get(
        identity.url("userinfo"), headers={"Authorization": f"Bearer {access_token}"}
    )
    assert userinfo.status_code == 401
    assert "invalid_token" in userinfo.headers["www-authenticate"]


def test_revocation_of_unknown_token_is_200(identity: Identity) -> None:
    form = {"token": secrets.token_urlsafe(20), **identity.auth_form("gemeente-utrecht")}
    assert identity.post("revoke", form).status_code == 200


def test_revocation_requires_client_authentication(identity: Identity) -> None:
    token = identity.organisation_token()
    assert identity.post("revoke", {"token": token}).status_code == 401
    assert identity.introspect(token).json()["active"] is True


def test_a_client_cannot_revoke_another_clients_token(identity: Identity) -> None:
    token = identity.organisation_token()
    form = {"token": token, **identity.auth_form("harness-tweede-org")}
    response = identity.post("revoke", form)
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"
    assert identity.introspect(token).json()["active"] is True


def test_token_parameter_is_required(identity: Identity) -> None:
    response = identity.post("introspect", identity.auth_form("gemeente-utrecht"))
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


# --- userinfo ------------------------------------------------------------------------------


def test_userinfo_for_the_citizen(identity: Identity) -> None:
    tokens = identity.citizen_tokens()
    response = identity.http.get(
        identity.url("userinfo"), headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["bsn"] == CITIZEN_BSN and body["sub"] != CITIZEN_BSN


def test_userinfo_without_bsn_for_other_clients(identity: Identity) -> None:
    tokens = identity.citizen_tokens("buurt-app")
    response = identity.http.get(
        identity.url("userinfo"), headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert response.status_code == 200 and "bsn" not in response.json()


def test_userinfo_without_token(identity: Identity) -> None:
    response = identity.http.get(identity.url("userinfo"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"


def test_userinfo_with_malformed_token(identity: Identity) -> None:
    for header in ("Bearer niet-geldig", "Basic Zm9vOmJhcg==", "Bearer"):
        response = identity.http.get(identity.url("userinfo"), headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.headers["www-authenticate"].startswith("Bearer error=")


def test_userinfo_refuses_a_token_in_the_query(identity: Identity) -> None:
    token = identity.citizen_tokens()["access_token"]
    response = identity.http.get(identity.url("userinfo"), params={"access_token": token})
    assert response.status_code == 400
    assert 'error="invalid_request"' in response.headers["www-authenticate"]


def test_userinfo_refuses_an_organisation_token(identity: Identity) -> None:
    token = identity.organisation_token()
    response = identity.http.get(
        identity.url("userinfo"), headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 403
    assert "insufficient_scope" in response.headers["www-authenticate"]


def test_userinfo_refuses_a_citizen_token_without_openid(identity: Identity) -> None:
    token = identity.citizen_tokens(scope="messaging:read")
    assert "id_token" not in token
    response = identity.http.get(
        identity.url("userinfo"), headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert response.status_code == 403
