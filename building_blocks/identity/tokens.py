"""Minting and reading the provider's own tokens (RS256 JWTs).

Access tokens follow RFC 9068 and the NL GOV profile: iss, aud (the resources of the scopes),
exp, iat, jti (192 random bits), azp/client_id, sub, scope; ``oin`` for organisations; for
citizens a pairwise ``sub`` and, only for clients allowed to see it, ``bsn``. ID tokens live
``ID_TOKEN_LIFETIME`` seconds, well inside the five minutes the profile allows.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import jwt

from building_blocks.identity.clients import Client
from building_blocks.identity.keys import SIGNING_ALGORITHM, SigningKey, pairwise_subject
from building_blocks.identity.scopes import OPENID, audiences
from building_blocks.identity.store import IdentityStore

ACCESS_TOKEN_LIFETIME = 600
ID_TOKEN_LIFETIME = 180
ACR_TEST_LOGIN = "http://eidas.europa.eu/LoA/substantial"


@dataclass(frozen=True, slots=True)
class Citizen:
    bsn: str
    auth_time: int
    nonce: str | None


class TokenIssuer:
    def __init__(
        self, *, issuer: str, key: SigningKey, pairwise_secret: bytes, store: IdentityStore
    ) -> None:
        self.issuer = issuer
        self.key = key
        self.pairwise_secret = pairwise_secret
        self.store = store

    def subject(self, client: Client, citizen: Citizen | None) -> str:
        if citizen is None:
            return client.client_id
        return pairwise_subject(self.pairwise_secret, client.sector, citizen.bsn)

    def _sign(self, claims: dict[str, Any], typ: str) -> str:
        return jwt.encode(
            claims,
            self.key.private_key,
            algorithm=SIGNING_ALGORITHM,
            headers={"kid": self.key.kid, "typ": typ},
        )

    def token_response(
        self,
        client: Client,
        scopes: list[str],
        now: int,
        *,
        citizen: Citizen | None = None,
        code: str | None = None,
    ) -> dict[str, Any]:
        """The RFC 6749 section 5.1 body: a new access token (and an ID token for openid)."""
        jti = secrets.token_urlsafe(24)
        scope = " ".join(scopes)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": self.subject(client, citizen),
            "aud": audiences(scopes, self.issuer),
            "exp": now + ACCESS_TOKEN_LIFETIME,
            "iat": now,
            "nbf": now,
            "jti": jti,
            "azp": client.client_id,
            "client_id": client.client_id,
            "scope": scope,
        }
        if client.oin is not None:
            claims["oin"] = client.oin
        if citizen is not None:
            claims["acr"] = ACR_TEST_LOGIN
            claims["auth_time"] = citizen.auth_time
            if client.bsn_allowed:
                claims["bsn"] = citizen.bsn
        access_token = self._sign(claims, "at+jwt")
        self.store.save_token(jti, client.client_id, now + ACCESS_TOKEN_LIFETIME, code)
        body: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "scope": scope,
        }
        if citizen is not None and OPENID in scopes:
            body["id_token"] = self.id_token(client, citizen, now)
        return body

    def id_token(self, client: Client, citizen: Citizen, now: int) -> str:
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": self.subject(client, citizen),
            "aud": client.client_id,
            "azp": client.client_id,
            "exp": now + ID_TOKEN_LIFETIME,
            "iat": now,
            "auth_time": citizen.auth_time,
            "acr": ACR_TEST_LOGIN,
        }
        if citizen.nonce is not None:
            claims["nonce"] = citizen.nonce
        if client.bsn_allowed:
            claims["bsn"] = citizen.bsn
        return self._sign(claims, "JWT")

    def read_access_token(self, token: str, *, verify_exp: bool = True) -> dict[str, Any] | None:
        """The claims of a token this provider signed and still knows; None otherwise.

        Revocation is not judged here (the caller decides what a revoked token means).
        """
        try:
            header = jwt.get_unverified_header(token)
            if header.get("kid") != self.key.kid or header.get("typ") != "at+jwt":
                return None
            claims: dict[str, Any] = jwt.decode(
                token,
                self.key.private_key.public_key(),
                algorithms=[SIGNING_ALGORITHM],
                issuer=self.issuer,
                options={
                    "verify_aud": False,
                    "verify_exp": verify_exp,
                    "require": ["iss", "exp", "jti"],
                },
            )
        except jwt.PyJWTError:
            return None
        return claims
