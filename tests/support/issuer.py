"""A stand-in token issuer for resource-server tests: real HTTP on loopback, real RSA keys.

``fake_issuer()`` serves ``<identity base>/oidc/.well-known/openid-configuration`` and the JWKS
it points to, exactly where the identity block serves them, and mints signed access tokens::

    with fake_issuer() as issuer:
        verifier = TokenVerifier(issuer=issuer.issuer, audience="urn:nld:gdi:messaging")
        token = issuer.token(scope="messaging:send", aud="urn:nld:gdi:messaging")

``issuer.identity_url`` is what a block's ``--identity`` / ``Settings.identity_url`` takes.
``rotate()`` replaces the signing key; ``jwks_requests`` counts JWKS fetches.
``opaque(claims)`` mints an opaque token its introspection endpoint answers for (RFC 7662, any
client assertion accepted); ``introspections`` keeps the form of every introspection request.
``at_root=True`` puts the issuer at the server root, as most OpenID providers have it.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey


def new_rsa_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: RSAPrivateKey, kid: str, alg: str | None = None) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": kid, "use": "sig"})
    if alg:
        jwk["alg"] = alg
    return jwk


class FakeIssuer:
    def __init__(self, host: str = "127.0.0.1", *, at_root: bool = False) -> None:
        self.key = new_rsa_key()
        self.opaque_tokens: dict[str, dict[str, Any]] = {}
        self.introspections: list[dict[str, str]] = []
        self.kid = secrets.token_hex(8)
        self.jwk_alg: str | None = None
        self.jwks_requests = 0
        self.discovery_issuer: str | None = None  # set to publish a wrong issuer
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                prefix = urlsplit(issuer.issuer).path
                if self.path == f"{prefix}/.well-known/openid-configuration":
                    body: dict[str, Any] = {
                        "issuer": issuer.discovery_issuer or issuer.issuer,
                        "jwks_uri": f"{issuer.issuer}/jwks",
                        "introspection_endpoint": f"{issuer.issuer}/introspect",
                    }
                elif self.path == f"{prefix}/jwks":
                    issuer.jwks_requests += 1
                    body = {"keys": [public_jwk(issuer.key, issuer.kid, issuer.jwk_alg)]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode()))
                issuer.introspections.append(form)
                claims = issuer.opaque_tokens.get(form.get("token", ""))
                body = {"active": True, **claims} if claims else {"active": False}
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        self._server = ThreadingHTTPServer((host, 0), Handler)
        port = self._server.server_address[1]
        self.identity_url = f"http://{host}:{port}" + ("" if at_root else "/identity/v1")
        self.issuer = self.identity_url if at_root else f"{self.identity_url}/oidc"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def rotate(self) -> None:
        """A new signing key under a new kid; the old one is no longer published."""
        self.key = new_rsa_key()
        self.kid = secrets.token_hex(8)

    def opaque(self, **claims: Any) -> str:
        """An opaque access token whose introspection answers ``claims`` (iss, exp added)."""
        token = secrets.token_urlsafe(32)
        self.opaque_tokens[token] = {"iss": self.issuer, "exp": int(time.time()) + 300, **claims}
        return token

    def token(
        self,
        *,
        scope: str = "",
        aud: str | list[str] = "urn:nld:gdi:messaging",
        sub: str = "gemeente-utrecht",
        expires_in: int = 300,
        alg: str = "RS256",
        key: RSAPrivateKey | None = None,
        kid: str | None = None,
        iss: str | None = None,
        omit: tuple[str, ...] = (),
        **claims: Any,
    ) -> str:
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": iss or self.issuer,
            "aud": aud,
            "sub": sub,
            "azp": sub,
            "scope": scope,
            "iat": now,
            "exp": now + expires_in,
            "jti": secrets.token_hex(16),
            **claims,
        }
        for name in omit:
            payload.pop(name, None)
        return jwt.encode(payload, key or self.key, algorithm=alg, headers={"kid": kid or self.kid})


@contextmanager
def fake_issuer(*, at_root: bool = False) -> Iterator[FakeIssuer]:
    issuer = FakeIssuer(at_root=at_root)
    issuer.start()
    try:
        yield issuer
    finally:
        issuer.close()
