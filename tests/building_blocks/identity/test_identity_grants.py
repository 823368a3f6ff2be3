"""Grants, PKCE, redirect URIs and token contents (GDI-IDN-020..037)."""

from __future__ import annotations

import re
import secrets

import httpx
import pytest
from identity_support import CITIZEN_BSN, PORTAL, PORTAL_REDIRECT, Identity, claims_of

pytestmark = pytest.mark.slow

NINE_DIGITS = re.compile(r"[0-9]{9}")


def oauth_error(response: httpx.Response, status: int = 400) -> str:
    assert response.status_code == status, response.text
    error: str = response.json()["error"]
    return error


# --- organisations: client_credentials --------------------------------------------------


def test_organisation_token_claims(identity: Identity) -> None:
    response = identity.client_credentials(scope="messaging:send registries:read")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    assert body["scope"] == "messaging:send registries:read"
    assert "id_token" not in body
    assert "no-store" in response.headers["cache-control"]
    claims = identity.verify(body["access_token"], audience="urn:nld:gdi:registries")
    assert claims["iss"] == identity.issuer
    assert claims["aud"] == ["urn:nld:gdi:messaging", "urn:nld:gdi:registries"]
    assert claims["azp"] == claims["client_id"] == claims["sub"] == "gemeente-utrecht"
    assert claims["oin"] == "00000001001234567000"
    assert claims["exp"] > claims["iat"]
    assert "bsn" not in claims


def test_jti_has_at_least_128_bits_and_is_unique(identity: Identity) -> None:
    jtis = [claims_of(identity.organisation_token())["jti"] for _ in range(5)]
    assert len(set(jtis)) == 5
    for jti in jtis:
        assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", jti)  # 22 base64url chars = 132 bits


def test_audience_follows_the_scopes(identity: Identity) -> None:
    only_registries = identity.organisation_token(scope="registries:declare")
    assert claims_of(only_registries)["aud"] == ["urn:nld:gdi:registries"]


def test_without_scope_the_registered_scopes_are_granted(identity: Identity) -> None:
    body = identity.client_credentials().json()
    assert set(body["scope"].split()) == {
        "messaging:send", "messaging:subscribe", "registries:read", "registries:declare",
        "registries:search", "doelbinding:burgerzaken",
    }  # fmt: skip


def test_unregistered_scope_is_rejected(identity: Identity) -> None:
    assert oauth_error(identity.client_credentials(scope="messaging:read")) == "invalid_scope"
    assert oauth_error(identity.client_credentials(scope="openid")) == "invalid_scope"
    assert oauth_error(identity.client_credentials(scope="alles")) == "invalid_scope"


def test_each_client_uses_only_its_own_grant(identity: Identity) -> None:
    # A citizen portal may not use client_credentials ...
    response = identity.client_credentials(PORTAL, scope="messaging:read")
    assert oauth_error(response) == "unauthorized_client"
    # ... and an organisation may not redeem authorization codes.
    code, verifier, _ = identity.code()
    response = identity.exchange(code, verifier, client_id="gemeente-utrecht")
    assert oauth_error(response) == "unauthorized_client"


def test_unknown_or_missing_grant_type(identity: Identity) -> None:
    response = identity.post("token", {"grant_type": "password", **identity.auth_form(PORTAL)})
    assert oauth_error(response) == "unsupported_grant_type"
    response = identity.post("token", identity.auth_form(PORTAL))
    assert oauth_error(response) == "invalid_request"


def test_repeated_parameter_is_rejected(identity: Identity) -> None:
    form = identity.auth_form("gemeente-utrecht")
    body = "grant_type=client_credentials&grant_type=client_credentials&" + "&".join(
        f"{name}={value}" for name, value in form.items()
    )
    response = identity.http.post(
        identity.url("token"),
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert oauth_error(response) == "invalid_request"


def test_json_body_is_rejected(identity: Identity) -> None:
    response = identity.http.post(identity.url("token"), json={"grant_type": "client_credentials"})
    assert oauth_error(response) == "invalid_request"


# --- citizens: authorization code with PKCE ------------------------------------------------


def test_code_flow_issues_tokens_for_the_citizen(identity: Identity) -> None:
    code, verifier, params = identity.code()
    response = identity.exchange(code, verifier)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scope"] == "openid messaging:read"
    access = identity.verify(body["access_token"], audience="urn:nld:gdi:messaging")
    assert access["azp"] == PORTAL and access["bsn"] == CITIZEN_BSN
    assert access["sub"] != CITIZEN_BSN and not NINE_DIGITS.fullmatch(access["sub"])
    id_token = identity.verify(body["id_token"], audience=PORTAL)
    assert id_token["sub"] == access["sub"]
    assert id_token["nonce"] == params["nonce"]
    assert id_token["exp"] - id_token["iat"] <= 300


def test_redirect_carries_state_and_issuer(identity: Identity) -> None:
    params = identity.authorization_params()
    params.pop("_verifier")
    response = identity.authorize(**params)
    assert response.status_code == 302
    assert response.headers["location"].startswith(PORTAL_REDIRECT + "?")
    assert response.headers["api-version"] == "1.0.0"
    values = identity.redirect_values(response)
    assert values["state"] == params["state"] and values["iss"] == identity.issuer


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge": "te-kort"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "openid registries:declare"}, "invalid_scope"),
        ({"scope": None}, "invalid_scope"),
        ({"login_hint": None}, "login_required"),
        ({"login_hint": "123456789"}, "access_denied"),  # fails the 11-proef
        ({"state": "x" * 513}, "invalid_request"),
    ],
)
def test_authorization_errors_are_redirected(
    identity: Identity, changes: dict[str, str | None], error: str
) -> None:
    params = identity.authorization_params(**changes)
    params.pop("_verifier")
    values = identity.redirect_values(identity.authorize(**params))
    assert values["error"] == error
    assert "code" not in values


def test_unregistered_redirect_uri_is_not_redirected_to(identity: Identity) -> None:
    for uri in (
        "https://aanvaller.example/callback",
        PORTAL_REDIRECT + "/",
        PORTAL_REDIRECT + "?extra=1",
        PORTAL_REDIRECT.upper(),
    ):
        params = identity.authorization_params(redirect_uri=uri)
        params.pop("_verifier")
        response = identity.authorize(**params)
        assert response.status_code == 403, uri
        assert "location" not in response.headers
        assert response.headers["content-type"] == "application/problem+json"


def test_unknown_or_missing_client_is_not_redirected(identity: Identity) -> None:
    params = identity.authorization_params(client_id="onbekend", redirect_uri=PORTAL_REDIRECT)
    params.pop("_verifier")
    assert identity.authorize(**params).status_code == 403
    params.pop("client_id")
    response = identity.authorize(**params)
    assert response.status_code == 400
    problem = response.json()
    assert problem["invalidParams"][0]["name"] == "client_id"
    assert problem["status"] == 400 and problem["title"] and problem["detail"]


def test_organisation_cannot_start_the_code_flow(identity: Identity) -> None:
    params = identity.authorization_params(
        client_id="gemeente-utrecht", redirect_uri=PORTAL_REDIRECT
    )
    params.pop("_verifier")
    assert identity.authorize(**params).status_code == 403


def test_wrong_code_verifier_is_rejected(identity: Identity) -> None:
    code, _, _ = identity.code()
    response = identity.exchange(code, secrets.token_urlsafe(48))
    assert oauth_error(response) == "invalid_grant"


def test_missing_code_verifier_is_rejected(identity: Identity) -> None:
    code, _, _ = identity.code()
    response = identity.exchange(code, None)
    assert oauth_error(response) in {"invalid_request", "invalid_grant"}
    assert "access_token" not in response.json()


def test_code_is_single_use_and_reuse_revokes_its_tokens(identity: Identity) -> None:
    code, verifier, _ = identity.code()
    first = identity.exchange(code, verifier)
    assert first.status_code == 200
    access_token = first.json()["access_token"]
    assert identity.introspect(access_token).json()["active"] is True
    second = identity.exchange(code, verifier)
    assert oauth_error(second) == "invalid_grant"
    assert identity.introspect(access_token).json() == {"active": False}


def test_code_is_bound_to_client_and_redirect_uri(identity: Identity) -> None:
    code, verifier, _ = identity.code()
    response = identity.exchange(code, verifier, redirect_uri=PORTAL_REDIRECT + "/anders")
    assert oauth_error(response) == "invalid_grant"
    code, verifier, _ = identity.code()
    assert oauth_error(identity.exchange(code, verifier, client_id="buurt-app")) == "invalid_grant"


def test_unknown_code_is_rejected(identity: Identity) -> None:
    response = identity.exchange(secrets.token_urlsafe(32), secrets.token_urlsafe(48))
    assert oauth_error(response) == "invalid_grant"


def test_bsn_only_for_clients_allowed_to_see_it(identity: Identity) -> None:
    allowed = identity.citizen_tokens(PORTAL)
    assert claims_of(allowed["access_token"])["bsn"] == CITIZEN_BSN
    assert claims_of(allowed["id_token"])["bsn"] == CITIZEN_BSN
    other = identity.citizen_tokens("buurt-app")
    for token in (other["access_token"], other["id_token"]):
        claims = claims_of(token)
        assert "bsn" not in claims
        assert CITIZEN_BSN not in token and CITIZEN_BSN not in str(claims)


def test_sub_is_pairwise_and_stable(identity: Identity) -> None:
    portal_1 = claims_of(identity.citizen_tokens(PORTAL)["id_token"])["sub"]
    portal_2 = claims_of(identity.citizen_tokens(PORTAL)["id_token"])["sub"]
    app = claims_of(identity.citizen_tokens("buurt-app")["id_token"])["sub"]
    assert portal_1 == portal_2
    assert app != portal_1
    other_citizen = identity.citizen_tokens(PORTAL, login_hint="111222333")
    assert claims_of(other_citizen["id_token"])["sub"] != portal_1
