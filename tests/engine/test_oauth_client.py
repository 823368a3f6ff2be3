"""The harness's OAuth client against a real identity block (and against failures)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
from support.services import RunningBlocks, running_blocks

from conformance.client import oauth, oauth_code
from conformance.client.oauth import OAuthClientError
from conformance.paths import seed_root

KEYS = seed_root() / "identity" / "keys"
ORG_KEY = KEYS / "gemeente-utrecht.key.pem"
PORTAL_KEY = KEYS / "burger-portaal.key.pem"


@pytest.fixture(scope="module")
def blocks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBlocks]:
    with running_blocks(tmp_path_factory.mktemp("oauth"), ("identity",)) as running:
        yield running


@pytest.fixture(scope="module")
def base_url(blocks: RunningBlocks) -> str:
    return blocks.base_url("identity")


def unverified(token: str) -> dict[str, object]:
    claims: dict[str, object] = jwt.decode(token, options={"verify_signature": False})
    return claims


# --- offline pieces ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "issuer"),
    [
        ("http://h/identity/v1", "http://h/identity/v1/oidc"),
        ("http://h/identity/v1/", "http://h/identity/v1/oidc"),
        ("http://h/identity/v1/oidc", "http://h/identity/v1/oidc"),
        ("http://h/identity/v1/oidc/.well-known/openid-configuration", "http://h/identity/v1/oidc"),
    ],
)
def test_issuer_of(url: str, issuer: str) -> None:
    assert oauth.issuer_of(url) == issuer


def test_client_assertion_claims() -> None:
    before = int(time.time())
    assertion = oauth.client_assertion("gemeente-utrecht", ORG_KEY, "https://as/token")
    header = jwt.get_unverified_header(assertion)
    claims = unverified(assertion)
    assert header["alg"] == "RS256"
    assert claims["iss"] == claims["sub"] == "gemeente-utrecht"
    assert claims["aud"] == "https://as/token"
    assert isinstance(claims["exp"], int) and before + 60 <= claims["exp"] <= before + 62
    assert isinstance(claims["jti"], str) and len(claims["jti"]) >= 22
    other = oauth.client_assertion("gemeente-utrecht", ORG_KEY, "https://as/token")
    assert unverified(other)["jti"] != claims["jti"]
    public_key = oauth.load_private_key(ORG_KEY).public_key()
    jwt.decode(assertion, public_key, algorithms=["RS256"], audience="https://as/token")


def test_client_assertion_overrides_for_negative_checks() -> None:
    assertion = oauth.client_assertion(
        "a", ORG_KEY, ["x", "y"], now=1000, lifetime=5, jti="vast", claims={"sub": "b"}
    )
    claims = unverified(assertion)
    assert claims == {
        "iss": "a",
        "sub": "b",
        "aud": ["x", "y"],
        "iat": 1000,
        "exp": 1005,
        "jti": "vast",
    }


def test_pkce_pair_is_s256() -> None:
    verifier, challenge = oauth.pkce_pair()
    assert 43 <= len(verifier) <= 128
    import base64
    import hashlib

    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    assert challenge == expected.decode()


def test_unreadable_or_wrong_key_files(tmp_path: Path) -> None:
    with pytest.raises(OAuthClientError, match="cannot read key file"):
        oauth.load_private_key(tmp_path / "missing.pem")
    public_only = tmp_path / "public.pem"
    public_only.write_bytes((KEYS / "gemeente-utrecht.pub.pem").read_bytes())
    with pytest.raises(OAuthClientError, match="not an unencrypted PEM private key"):
        oauth.load_private_key(public_only)


def test_registered_redirect_uri_from_the_seed() -> None:
    assert oauth_code.registered_redirect_uri("burger-portaal").startswith("https://")
    with pytest.raises(OAuthClientError, match="no redirect URI known"):
        oauth_code.registered_redirect_uri("gemeente-utrecht")


# --- against the identity block ------------------------------------------------------------


@pytest.mark.slow
def test_discover(base_url: str) -> None:
    metadata = oauth.discover(base_url)
    assert metadata.issuer == f"{base_url}/oidc"
    assert metadata.token_endpoint == f"{base_url}/oidc/token"


@pytest.mark.slow
def test_client_credentials_token(base_url: str) -> None:
    token = oauth.client_credentials_token(
        base_url, "gemeente-utrecht", ORG_KEY, ["registries:read"]
    )
    claims = unverified(token)
    assert claims["azp"] == "gemeente-utrecht" and claims["scope"] == "registries:read"


@pytest.mark.slow
def test_citizen_tokens_through_the_test_login(base_url: str) -> None:
    response = oauth_code.fetch_citizen_tokens(
        base_url, "burger-portaal", PORTAL_KEY, bsn="999993653", scopes=["openid", "messaging:read"]
    )
    assert response.id_token is not None
    assert unverified(response.access_token)["bsn"] == "999993653"
    assert "999993653" not in repr(response)  # tokens stay out of reprs and logs


@pytest.mark.slow
def test_refusals_carry_the_oauth_error(base_url: str) -> None:
    with pytest.raises(OAuthClientError, match="invalid_client") as raised:
        oauth.client_credentials_token(base_url, "gemeente-utrecht", PORTAL_KEY)
    assert raised.value.error == "invalid_client" and raised.value.status == 401
    with pytest.raises(OAuthClientError, match="invalid_scope") as raised:
        oauth.client_credentials_token(base_url, "gemeente-utrecht", ORG_KEY, ["openid"])
    assert raised.value.error == "invalid_scope"
    with pytest.raises(OAuthClientError, match="access_denied") as raised:
        oauth_code.citizen_token(base_url, "burger-portaal", PORTAL_KEY, bsn="123456789")
    assert raised.value.error == "access_denied"


@pytest.mark.slow
def test_authorization_endpoint_that_does_not_redirect(base_url: str) -> None:
    with pytest.raises(OAuthClientError, match="answered 403 instead of a redirect"):
        oauth_code.citizen_token(
            base_url, "burger-portaal", PORTAL_KEY, bsn="999993653",
            redirect_uri="https://elders.example/cb",
        )  # fmt: skip


@pytest.mark.slow
def test_unreachable_or_wrong_identity_url(base_url: str) -> None:
    with pytest.raises(OAuthClientError, match="cannot reach"):
        oauth.discover("http://127.0.0.1:9/identity/v1")
    with pytest.raises(OAuthClientError, match="answered 404"):
        oauth.discover(base_url + "/elders")
