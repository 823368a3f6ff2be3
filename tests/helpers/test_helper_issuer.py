"""support.issuer: the stand-in token issuer the resource-server tests trust. What it publishes
is where the identity block publishes it, and its tokens verify with what it publishes."""

from __future__ import annotations

import httpx
import jwt
import pytest
from support.issuer import fake_issuer


@pytest.mark.parametrize("at_root", [False, True], ids=["under-identity", "at-root"])
def test_discovery_points_at_the_keys_that_verify_its_tokens(at_root: bool) -> None:
    with fake_issuer(at_root=at_root) as issuer, httpx.Client(trust_env=False) as client:
        expected = issuer.identity_url if at_root else f"{issuer.identity_url}/oidc"
        assert issuer.issuer == expected
        discovery = client.get(f"{issuer.issuer}/.well-known/openid-configuration").json()
        assert discovery["issuer"] == issuer.issuer
        keys = jwt.PyJWKSet.from_dict(client.get(discovery["jwks_uri"]).json())
        token = issuer.token(scope="messaging:send", sub="client-1", extra="yes")
        kid = jwt.get_unverified_header(token)["kid"]
        key = next(item for item in keys.keys if item.key_id == kid)
        claims = jwt.decode(token, key, algorithms=["RS256"], audience="urn:nld:gdi:messaging")
        assert (claims["iss"], claims["sub"], claims["azp"]) == (
            issuer.issuer,
            "client-1",
            "client-1",
        )
        assert claims["scope"] == "messaging:send" and claims["extra"] == "yes"
        assert claims["exp"] - claims["iat"] == 300
        assert issuer.jwks_requests == 1
        assert client.get(f"{issuer.issuer}/elsewhere").status_code == 404


def test_after_a_rotation_only_the_new_key_is_published() -> None:
    with fake_issuer() as issuer, httpx.Client(trust_env=False) as client:
        old = issuer.kid
        issuer.rotate()
        published = client.get(f"{issuer.issuer}/jwks").json()["keys"]
        assert [key["kid"] for key in published] == [issuer.kid] != [old]


def test_omitted_claims_are_left_out() -> None:
    with fake_issuer() as issuer:
        token = issuer.token(omit=("exp", "azp"))
        claims = jwt.decode(token, options={"verify_signature": False})
        assert "exp" not in claims and "azp" not in claims and "sub" in claims


def test_introspection_answers_for_its_opaque_tokens_and_records_each_request() -> None:
    with fake_issuer() as issuer, httpx.Client(trust_env=False) as client:
        token = issuer.opaque(sub="999993653", scope="messaging:read")
        known = client.post(f"{issuer.issuer}/introspect", data={"token": token}).json()
        unknown = client.post(f"{issuer.issuer}/introspect", data={"token": "other"}).json()
        assert known["active"] is True and known["sub"] == "999993653"
        assert known["iss"] == issuer.issuer
        assert unknown == {"active": False}
        assert [form["token"] for form in issuer.introspections] == [token, "other"]
