"""Discovery metadata and the JWKS (GDI-IDN-001..004)."""

from __future__ import annotations

from urllib.parse import urlsplit

import jwt
import pytest
from identity_support import Identity, claims_of

pytestmark = pytest.mark.slow

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def test_metadata_is_complete_and_consistent(identity: Identity) -> None:
    response = identity.http.get(f"{identity.issuer}/.well-known/openid-configuration")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["api-version"] == "1.0.0"
    metadata = response.json()
    # The issuer is exactly where the document was fetched from, minus the well-known suffix.
    assert metadata["issuer"] == identity.issuer
    for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
                 "introspection_endpoint", "revocation_endpoint"):  # fmt: skip
        url = urlsplit(metadata[name])
        assert url.scheme == "http" and url.netloc, name  # absolute, on the loopback host
        assert metadata[name].startswith(identity.issuer + "/"), name
        # every advertised endpoint exists (any answer but 404)
        assert identity.http.get(metadata[name]).status_code != 404, name
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert "RS256" in metadata["id_token_signing_alg_values_supported"]
    assert set(metadata["grant_types_supported"]) == {"authorization_code", "client_credentials"}


def test_jwks_publishes_only_public_keys(identity: Identity) -> None:
    response = identity.http.get(identity.url("jwks"))
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] in {
        "application/json", "application/jwk-set+json"
    }  # fmt: skip
    keys = response.json()["keys"]
    assert keys
    for key in keys:
        assert not PRIVATE_MEMBERS & key.keys()
        assert key["kty"] == "RSA" and key["use"] == "sig" and key["kid"]


def test_issued_tokens_verify_against_the_jwks(identity: Identity) -> None:
    token = identity.organisation_token()
    claims = identity.verify(token, audience="urn:nld:gdi:messaging")
    assert claims["iss"] == identity.issuer
    # A token whose signature was tampered with no longer verifies.
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    with pytest.raises(jwt.InvalidSignatureError):
        identity.verify(tampered, audience="urn:nld:gdi:messaging")
    assert claims_of(tampered)["jti"] == claims["jti"]


def test_openapi_document_is_served_without_auth(identity: Identity) -> None:
    response = identity.http.get(f"{identity.base_url}/openapi.json")
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.json()["servers"][0]["url"].endswith("/identity/v1")
