"""Helpers for the identity tests: a client that speaks the protocol step by step.

Requests are made with plain httpx so that every protocol detail is visible in the test; the
harness's own OAuth client is tested separately (tests/engine/test_oauth_client.py).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt

from conformance.paths import seed_root

KEYS = seed_root() / "identity" / "keys"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
PORTAL = "burger-portaal"
PORTAL_REDIRECT = "https://burger-portaal.example/callback"
CITIZEN_BSN = "999993653"


def key_file(client_id: str) -> Path:
    return KEYS / f"{client_id}.key.pem"


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def claims_of(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


@dataclass
class Identity:
    base_url: str
    http: httpx.Client

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/oidc"

    def url(self, endpoint: str) -> str:
        return f"{self.issuer}/{endpoint}"

    def assertion(
        self,
        client_id: str,
        *,
        key_of: str | None = None,
        aud: str | list[str] | None = None,
        lifetime: int = 60,
        issued: int | None = None,
        jti: str | None = None,
        **overrides: Any,
    ) -> str:
        """A client assertion, correct unless a test overrides a part of it."""
        now = int(time.time()) if issued is None else issued
        claims: dict[str, Any] = {
            "iss": client_id,
            "sub": client_id,
            "aud": self.url("token") if aud is None else aud,
            "iat": now,
            "exp": now + lifetime,
            "jti": jti or secrets.token_urlsafe(16),
        }
        claims.update(overrides)
        key = key_file(key_of or client_id).read_bytes()
        return jwt.encode(claims, key, algorithm="RS256")

    def auth_form(self, client_id: str, **assertion_args: Any) -> dict[str, str]:
        return {
            "client_assertion_type": JWT_BEARER,
            "client_assertion": self.assertion(client_id, **assertion_args),
        }

    def post(self, endpoint: str, form: dict[str, str], **kwargs: Any) -> httpx.Response:
        return self.http.post(self.url(endpoint), data=form, **kwargs)

    def client_credentials(
        self, client_id: str = "gemeente-utrecht", **form: str
    ) -> httpx.Response:
        return self.post(
            "token", {"grant_type": "client_credentials", **form, **self.auth_form(client_id)}
        )

    def organisation_token(
        self, client_id: str = "gemeente-utrecht", scope: str = "messaging:send"
    ) -> str:
        response = self.client_credentials(client_id, scope=scope)
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def authorize(self, **params: str) -> httpx.Response:
        return self.http.get(self.url("authorize"), params=params)

    def authorization_params(
        self, client_id: str = PORTAL, **changes: str | None
    ) -> dict[str, str]:
        """A complete, valid authorization request; ``None`` in ``changes`` removes a parameter."""
        verifier = changes.pop("verifier", None) or secrets.token_urlsafe(48)
        params: dict[str, str | None] = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": PORTAL_REDIRECT
            if client_id == PORTAL
            else "https://buurt-app.example/callback",
            "scope": "openid messaging:read",
            "state": secrets.token_urlsafe(8),
            "nonce": secrets.token_urlsafe(8),
            "code_challenge": s256(verifier),
            "code_challenge_method": "S256",
            "login_hint": CITIZEN_BSN,
            "_verifier": verifier,
        }
        params.update(changes)
        return {name: value for name, value in params.items() if value is not None}

    def redirect_values(self, response: httpx.Response) -> dict[str, str]:
        assert response.status_code == 302, response.text
        location = response.headers["location"]
        return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}

    def code(
        self, client_id: str = PORTAL, **changes: str | None
    ) -> tuple[str, str, dict[str, str]]:
        """(code, verifier, request params) after a successful test login."""
        params = self.authorization_params(client_id, **changes)
        verifier = params.pop("_verifier")
        values = self.redirect_values(self.authorize(**params))
        assert "code" in values, values
        return values["code"], verifier, params

    def exchange(
        self,
        code: str,
        verifier: str | None,
        client_id: str = PORTAL,
        redirect_uri: str | None = None,
    ) -> httpx.Response:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri
            or (PORTAL_REDIRECT if client_id == PORTAL else "https://buurt-app.example/callback"),
            **self.auth_form(client_id),
        }
        if verifier is not None:
            form["code_verifier"] = verifier
        return self.post("token", form)

    def citizen_tokens(self, client_id: str = PORTAL, **changes: str | None) -> dict[str, Any]:
        code, verifier, _ = self.code(client_id, **changes)
        response = self.exchange(code, verifier, client_id)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def introspect(self, token: str, client_id: str = "gemeente-utrecht") -> httpx.Response:
        return self.post("introspect", {"token": token, **self.auth_form(client_id)})

    def jwks_keys(self) -> list[dict[str, Any]]:
        keys: list[dict[str, Any]] = self.http.get(self.url("jwks")).json()["keys"]
        return keys

    def verify(self, token: str, audience: str | None = None) -> dict[str, Any]:
        """Verify a token's signature against the JWKS, as any relying party would."""
        kid = jwt.get_unverified_header(token)["kid"]
        jwk = next(key for key in self.jwks_keys() if key["kid"] == kid)
        public_key = jwt.PyJWK(jwk).key
        claims: dict[str, Any] = jwt.decode(
            token,
            public_key,
            algorithms=["RS256", "PS256"],
            issuer=self.issuer,
            audience=audience,
            options={"verify_aud": audience is not None},
        )
        return claims
