"""Bearer token verification against a token issuer on loopback (real HTTP, real RSA keys)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
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


def test_from_settings_starts_discovery_at_the_identity_url(tmp_path: Path):
    settings = Settings(
        block="messaging", data_dir=tmp_path, identity_url="http://127.0.0.1:9/identity/v1/"
    )
    verifier = TokenVerifier.from_settings(settings, audience="urn:nld:gdi:messaging")
    # Discovery starts at the configured URL; the reference identity's issuer (URL + /oidc) is
    # trusted once its discovery document names it.
    assert verifier.configured_url == "http://127.0.0.1:9/identity/v1"
    assert verifier.introspection_client is None
    with pytest.raises(ValueError, match="identity_url"):
        TokenVerifier.from_settings(
            Settings(block="messaging", data_dir=tmp_path), audience="urn:nld:gdi:messaging"
        )


# -- any OpenID provider: discovery from its issuer, opaque tokens introspected (RFC 7662) ------


@pytest.fixture
def provider_at_root() -> Iterator[FakeIssuer]:
    """An issuer at the server root, as most OpenID providers have it."""
    with fake_issuer(at_root=True) as running:
        yield running


def introspecting(issuer: FakeIssuer, tmp_path: Path, **options) -> TokenVerifier:
    key = tmp_path / "resource-server.key.pem"
    key.write_bytes(
        new_rsa_key().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings = Settings(
        block="messaging",
        data_dir=tmp_path,
        identity_url=issuer.identity_url,
        introspection_client_id="messaging-rs",
        introspection_key=key,
    )
    return TokenVerifier.from_settings(settings, audience=AUDIENCE, **options)


def test_an_issuer_at_the_server_root_is_discovered(provider_at_root, tmp_path):
    verifier = introspecting(provider_at_root, tmp_path)
    assert verify(verifier, good_token(provider_at_root)).subject == "gemeente-utrecht"
    assert verifier.issuer == provider_at_root.issuer


def test_the_reference_identity_url_finds_its_issuer_at_oidc(own_issuer, tmp_path):
    verifier = introspecting(own_issuer, tmp_path)
    assert verify(verifier, good_token(own_issuer)).subject == "gemeente-utrecht"
    assert verifier.issuer == own_issuer.identity_url + "/oidc"


def test_an_opaque_token_is_introspected_as_the_resource_servers_own_client(
    provider_at_root, tmp_path
):
    verifier = introspecting(provider_at_root, tmp_path)
    token = provider_at_root.opaque(aud=AUDIENCE, scope="demo:read", bsn="999993653")
    claims = verify(verifier, token, ("demo:read",))
    assert claims.bsn == "999993653" and claims.scopes == {"demo:read"}
    (form,) = provider_at_root.introspections
    assert form["token"] == token and form["client_id"] == "messaging-rs"
    assertion = jwt.decode(form["client_assertion"], options={"verify_signature": False})
    assert assertion["iss"] == assertion["sub"] == "messaging-rs"
    assert assertion["aud"] == provider_at_root.issuer
    # Asked again at once: the answer is kept briefly, the provider is not asked twice.
    verify(verifier, token, ("demo:read",))
    assert len(provider_at_root.introspections) == 1


def test_without_a_cache_every_use_is_introspected(provider_at_root, tmp_path):
    verifier = introspecting(provider_at_root, tmp_path, introspection_cache_seconds=0)
    token = provider_at_root.opaque(aud=AUDIENCE, scope="demo:read")
    for _ in range(3):
        verify(verifier, token)
    assert len(provider_at_root.introspections) == 3


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"aud": "urn:nld:gdi:other"}, "not meant for this service"),
        ({"aud": AUDIENCE, "iss": "https://evil.test"}, "not issued by the trusted issuer"),
        ({"aud": AUDIENCE, "exp": 1}, "has expired"),
    ],
)
def test_an_introspected_token_gets_the_checks_a_jwt_gets(
    provider_at_root, tmp_path, claims, message
):
    verifier = introspecting(provider_at_root, tmp_path)
    with pytest.raises(ProblemError, match=message) as caught:
        verify(verifier, provider_at_root.opaque(**claims))
    assert caught.value.status == 401


def test_an_inactive_token_is_401_and_a_missing_scope_403(provider_at_root, tmp_path):
    verifier = introspecting(provider_at_root, tmp_path)
    with pytest.raises(ProblemError, match="not active") as caught:
        verify(verifier, "no-such-token")
    assert caught.value.status == 401
    with pytest.raises(ProblemError) as caught:
        verify(verifier, provider_at_root.opaque(aud=AUDIENCE, scope="demo:read"), ("demo:write",))
    assert caught.value.status == 403


def test_an_opaque_token_without_an_introspection_client_is_refused(provider_at_root):
    verifier = TokenVerifier(issuer=provider_at_root.issuer, audience=AUDIENCE)
    with pytest.raises(ProblemError, match="not a well-formed JWT") as caught:
        verify(verifier, provider_at_root.opaque(aud=AUDIENCE))
    assert caught.value.status == 401


@pytest.mark.parametrize("value", ["messaging", "identity=c:k", "messaging=c", "messaging=:k"])
def test_a_bad_introspection_option_is_refused(value):
    from building_blocks.common.server import parse_introspection

    with pytest.raises(ValueError, match="expected messaging\\|registries=CLIENT_ID:KEY_FILE"):
        parse_introspection([value])
