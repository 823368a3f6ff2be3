"""npm oidc-provider, unpatched, as an independent identity implementation.

Started on loopback by ``support.oidc_provider`` in its NL GOV configuration and in its default
one; the harness finds it from its issuer (the server root) and logs a citizen in through the
provider's own login and consent pages with the declarative form driver.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import jwt
import pytest
from support.oidc_provider import running_oidc_provider

from conformance.engine import oauth_client
from conformance.engine.behaviour.login import LoginRequest, NoRedirect
from conformance.engine.behaviour.login_form import FormLogin, FormLoginDriver
from conformance.engine.http import Exchange, HttpClient
from conformance.paths import seed_root

pytestmark = pytest.mark.slow

KEYS = seed_root() / "identity" / "keys"
PORTAL = "burger-portaal"
REDIRECT = "https://burger-portaal.example/callback"
CITIZEN = "999993653"
# What the provider's development login takes: any login (the BSN) and any password, then consent.
FORM_LOGIN = {
    "steps": [
        {"match": "/interaction/", "fields": {"login": "{bsn}", "password": "any"}},
        {"match": "/interaction/"},
    ]
}


@pytest.fixture(scope="module", params=["nlgov", "default"])
def provider(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    with running_oidc_provider(tmp_path_factory.mktemp("oidc-provider"), request.param) as issuer:
        yield request.param, issuer


def log_in(issuer: str, scope: str) -> tuple[str, str, list[Exchange]]:
    """(redirect back to the portal, PKCE verifier, every exchange of the login)."""
    metadata = oauth_client.discover(issuer)
    assert metadata.authorization_endpoint is not None
    verifier, challenge = oauth_client.pkce_pair()
    params = {
        "response_type": "code", "client_id": PORTAL, "redirect_uri": REDIRECT, "scope": scope,
        "state": "state-1", "nonce": "nonce-1", "code_challenge": challenge,
        "code_challenge_method": "S256",
    }  # fmt: skip
    url = metadata.authorization_endpoint + "?" + urlencode(params)
    sent: list[Exchange] = []
    with HttpClient(timeout=10, max_response_bytes=1 << 20) as http:

        def send(method: str, address: str, headers: object, body: bytes | None) -> Exchange:
            exchange = http.send(method, address, headers=dict(headers), body=body)  # type: ignore[call-overload]
            sent.append(exchange)
            return exchange

        driver = FormLoginDriver(FormLogin.from_config(FORM_LOGIN))
        request = LoginRequest(url, REDIRECT, CITIZEN, lambda u: send("GET", u, {}, None), send)
        return driver(request), verifier, sent


def test_discovered_from_the_issuer_at_the_server_root(provider: tuple[str, str]) -> None:
    _profile, issuer = provider
    metadata = oauth_client.discover(issuer)
    assert metadata.issuer == issuer
    assert metadata.token_endpoint == issuer + "/token"  # not the catalogue's /oidc/token


def test_organisation_token_with_private_key_jwt(provider: tuple[str, str]) -> None:
    _profile, issuer = provider
    token = oauth_client.fetch_client_credentials(
        issuer, "gemeente-utrecht", KEYS / "gemeente-utrecht.key.pem", ["messaging:send"]
    )
    assert token.token_type == "Bearer" and token.scope == "messaging:send"


def test_form_login_through_the_providers_own_pages(provider: tuple[str, str]) -> None:
    profile, issuer = provider
    location, verifier, sent = log_in(issuer, "openid")
    values = dict(parse_qsl(urlsplit(location).query))
    assert values["state"] == "state-1" and values.get("code")
    # Every step is an exchange: the 303 to the login page, the login form POST, the consent.
    methods = [exchange.request.method for exchange in sent]
    assert methods.count("POST") == 2, methods
    assert {exchange.response.status for exchange in sent if exchange.response} >= {200, 303}
    metadata = oauth_client.discover(issuer)
    form = {
        "grant_type": "authorization_code", "code": values["code"], "redirect_uri": REDIRECT,
        "code_verifier": verifier,
        "client_assertion_type": oauth_client.JWT_BEARER,
        "client_assertion": oauth_client.client_assertion(
            PORTAL, KEYS / f"{PORTAL}.key.pem", metadata.token_endpoint
        ),
    }  # fmt: skip
    body = httpx.post(metadata.token_endpoint, data=form, timeout=10).json()
    claims = jwt.decode(body["id_token"], options={"verify_signature": False})
    assert claims["bsn"] == CITIZEN  # burger-portaal may see the BSN
    if profile == "nlgov":
        assert claims["sub"] != CITIZEN and claims["exp"] - claims["iat"] == 300
    else:
        assert claims["exp"] - claims["iat"] == 3600  # the library's default


def test_form_login_says_which_page_it_could_not_handle(
    provider: tuple[str, str], tmp_path: Path
) -> None:
    _profile, issuer = provider
    metadata = oauth_client.discover(issuer)
    assert metadata.authorization_endpoint is not None
    driver = FormLoginDriver(FormLogin.from_config({"steps": [{"match": "/nowhere/"}]}))
    with HttpClient(timeout=10, max_response_bytes=1 << 20) as http:
        url = metadata.authorization_endpoint + "?" + urlencode(
            {"response_type": "code", "client_id": PORTAL, "redirect_uri": REDIRECT,
             "scope": "openid", "state": "s", "code_challenge": oauth_client.pkce_pair()[1],
             "code_challenge_method": "S256"}
        )  # fmt: skip
        request = LoginRequest(url, REDIRECT, CITIZEN, lambda u: http.send("GET", u))
        with pytest.raises(NoRedirect, match=r"no login step matches the page .*/interaction/"):
            driver(request)
