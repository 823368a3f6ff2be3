"""Bearer token verification against a token issuer on loopback (real HTTP, real RSA keys)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from support.demo_blocks import create_app as create_demo_app
from support.issuer import FakeIssuer, fake_issuer, new_rsa_key
from support.services import serve_asgi

from building_blocks.common import ProblemError, Settings, TokenVerifier

pytestmark = pytest.mark.slow

AUDIENCE = "urn:nld:gdi:demo"


@pytest.fixture(scope="module")
def issuer() -> Iterator[FakeIssuer]:
    with fake_issuer() as running:
        yield running


@pytest.fixture(scope="module")
def protected(issuer: FakeIssuer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo block (as 'messaging') with GET /protected needing scope demo:read."""
    settings = Settings(
        block="messaging",
        data_dir=tmp_path_factory.mktemp("demo"),
        identity_url=issuer.identity_url,
    )
    with serve_asgi(create_demo_app(settings)) as origin:
        yield f"{origin}/messaging/v1"


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=10) as http:
        yield http


def call(client: httpx.Client, base: str, token: str | None, path: str = "/protected"):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.get(base + path, headers=headers)


def assert_rejected(response: httpx.Response, status: int, error: str | None) -> None:
    assert response.status_code == status, f"status {response.status_code}, expected {status}"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status
    challenge = response.headers.get("www-authenticate", "")
    assert challenge.startswith("Bearer "), f"challenge {challenge!r}"
    if error is None:
        assert "error=" not in challenge
    else:
        assert f'error="{error}"' in challenge


def good_token(issuer: FakeIssuer, **overrides) -> str:
    options = {"scope": "demo:read other", "aud": AUDIENCE, **overrides}
    return issuer.token(**options)


def test_valid_token_gives_the_claims(issuer, protected, client):
    response = call(client, protected, good_token(issuer, sub="gemeente-utrecht"))
    assert response.status_code == 200, response.text
    assert response.json() == {"sub": "gemeente-utrecht", "scopes": ["demo:read", "other"]}


def test_ps256_is_accepted(issuer, protected, client):
    assert call(client, protected, good_token(issuer, alg="PS256")).status_code == 200


def test_audience_list_containing_ours_is_accepted(issuer, protected, client):
    token = good_token(issuer, aud=["urn:nld:gdi:registries", AUDIENCE])
    assert call(client, protected, token).status_code == 200


def test_expiry_within_the_leeway_is_accepted(issuer, protected, client):
    assert call(client, protected, good_token(issuer, expires_in=-5)).status_code == 200


def test_missing_token_is_401_with_a_bare_bearer_challenge(protected, client):
    assert_rejected(call(client, protected, None), 401, None)


def test_other_scheme_is_401(protected, client):
    response = client.get(protected + "/protected", headers={"Authorization": "Basic dXNlcjpw"})
    assert_rejected(response, 401, None)


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda issuer: "not-a-jwt", id="malformed"),
        pytest.param(lambda issuer: good_token(issuer, expires_in=-120), id="expired"),
        pytest.param(lambda issuer: good_token(issuer, nbf=2**31), id="not-yet-valid"),
        pytest.param(lambda issuer: good_token(issuer, aud="urn:nld:gdi:other"), id="audience"),
        pytest.param(lambda issuer: good_token(issuer, iss="https://evil.test/oidc"), id="issuer"),
        pytest.param(lambda issuer: good_token(issuer, omit=("exp",)), id="no-exp"),
        pytest.param(lambda issuer: good_token(issuer, omit=("aud",)), id="no-aud"),
        pytest.param(lambda issuer: good_token(issuer, key=new_rsa_key()), id="wrong-key"),
        pytest.param(
            lambda issuer: jwt.encode(
                {"iss": issuer.issuer, "aud": AUDIENCE, "exp": 2**31, "scope": "demo:read"},
                "a-shared-secret-of-thirty-two-bytes!",
                algorithm="HS256",
                headers={"kid": issuer.kid},
            ),
            id="hs256",
        ),
        pytest.param(
            lambda issuer: jwt.encode(
                {"iss": issuer.issuer, "aud": AUDIENCE, "exp": 2**31, "scope": "demo:read"},
                None,
                algorithm="none",
            ),
            id="alg-none",
        ),
        pytest.param(lambda issuer: good_token(issuer, kid="unknown-kid"), id="unknown-kid"),
    ],
)
def test_invalid_token_is_401_invalid_token(issuer, protected, client, make_token):
    assert_rejected(call(client, protected, make_token(issuer)), 401, "invalid_token")


def test_missing_scope_is_403_insufficient_scope(issuer, protected, client):
    response = call(client, protected, good_token(issuer, scope="other"))
    assert_rejected(response, 403, "insufficient_scope")
    assert 'scope="demo:read"' in response.headers["www-authenticate"]


def test_token_in_the_query_string_is_refused(issuer, protected, client):
    token = good_token(issuer)
    response = client.get(
        f"{protected}/protected",
        params={"access_token": token},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert_rejected(response, 400, "invalid_request")
    assert token not in response.text


def test_an_unprotected_route_fails_the_same_assertion(protected, client):
    # The demo's /items has no verifier: what a forgotten dependency looks like.
    with pytest.raises(AssertionError, match="status 200"):
        assert_rejected(call(client, protected, None, path="/items"), 401, None)


@pytest.fixture
def own_issuer() -> Iterator[FakeIssuer]:
    """An issuer for one test, so rotating or re-pinning keys cannot touch other tests."""
    with fake_issuer() as running:
        yield running


def verify(verifier: TokenVerifier, token: str, scopes: tuple[str, ...] = ()):
    return asyncio.run(verifier.verify(token, scopes))


def test_rotated_key_is_fetched_on_an_unknown_kid(own_issuer):
    verifier = TokenVerifier(issuer=own_issuer.issuer, audience=AUDIENCE, min_refresh_interval=0)
    assert verify(verifier, good_token(own_issuer)).subject == "gemeente-utrecht"
    own_issuer.rotate()
    claims = verify(verifier, good_token(own_issuer, sub="after-rotation"))
    assert claims.subject == "after-rotation"


def test_unknown_kids_do_not_hammer_the_issuer(own_issuer):
    verifier = TokenVerifier(issuer=own_issuer.issuer, audience=AUDIENCE, min_refresh_interval=60)
    verify(verifier, good_token(own_issuer))
    before = own_issuer.jwks_requests
    for number in range(20):
        with pytest.raises(ProblemError) as caught:
            verify(verifier, good_token(own_issuer, kid=f"made-up-{number}"))
        assert caught.value.status == 401
    assert own_issuer.jwks_requests == before  # refreshed at most once a minute


def test_without_rate_limit_unknown_kids_refetch(own_issuer):
    # The counterpart: with no minimum interval every unknown kid costs a fetch.
    verifier = TokenVerifier(issuer=own_issuer.issuer, audience=AUDIENCE, min_refresh_interval=0)
    verify(verifier, good_token(own_issuer))
    before = own_issuer.jwks_requests
    for number in range(3):
        with pytest.raises(ProblemError):
            verify(verifier, good_token(own_issuer, kid=f"made-up-{number}"))
    assert own_issuer.jwks_requests == before + 3


def test_key_pinned_to_another_algorithm_is_refused(own_issuer):
    own_issuer.jwk_alg = "RS256"
    verifier = TokenVerifier(issuer=own_issuer.issuer, audience=AUDIENCE)
    assert verify(verifier, good_token(own_issuer)).subject
    with pytest.raises(ProblemError, match="algorithm does not match"):
        verify(verifier, good_token(own_issuer, alg="PS256"))


def test_unreachable_issuer_is_503():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    verifier = TokenVerifier(issuer=f"http://127.0.0.1:{port}/identity/v1/oidc", audience=AUDIENCE)
    with fake_issuer() as other, pytest.raises(ProblemError) as caught:
        verify(verifier, good_token(other))
    assert caught.value.status == 503


def test_discovery_naming_another_issuer_is_not_trusted(own_issuer):
    own_issuer.discovery_issuer = "https://evil.test/oidc"
    verifier = TokenVerifier(issuer=own_issuer.issuer, audience=AUDIENCE)
    with pytest.raises(ProblemError) as caught:
        verify(verifier, good_token(own_issuer))
    assert caught.value.status == 503


def test_from_settings_uses_the_identity_issuer(tmp_path: Path):
    settings = Settings(
        block="messaging", data_dir=tmp_path, identity_url="http://127.0.0.1:9/identity/v1/"
    )
    verifier = TokenVerifier.from_settings(settings, audience="urn:nld:gdi:messaging")
    assert verifier.issuer == "http://127.0.0.1:9/identity/v1/oidc"
    assert verifier.discovery_url.endswith("/identity/v1/oidc/.well-known/openid-configuration")
    with pytest.raises(ValueError, match="identity_url"):
        TokenVerifier.from_settings(
            Settings(block="messaging", data_dir=tmp_path), audience="urn:nld:gdi:messaging"
        )
