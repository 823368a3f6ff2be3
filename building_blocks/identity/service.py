"""Everything the identity endpoints share, built once per app from the block's settings."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from building_blocks.identity.assertions import AssertionPolicy
from building_blocks.identity.clients import ClientRegistry
from building_blocks.identity.keys import SIGNING_ALGORITHM, SigningKey
from building_blocks.identity.scopes import KNOWN_SCOPES
from building_blocks.identity.store import IdentityStore
from building_blocks.identity.tokens import TokenIssuer

ENDPOINTS = {
    "authorization_endpoint": "authorize",
    "token_endpoint": "token",
    "userinfo_endpoint": "userinfo",
    "jwks_uri": "jwks",
    "introspection_endpoint": "introspect",
    "revocation_endpoint": "revoke",
}
AUTH_METHODS = ["private_key_jwt"]


@dataclass
class IdentityService:
    issuer: str  # <base>/oidc
    registry: ClientRegistry
    store: IdentityStore
    key: SigningKey
    tokens: TokenIssuer
    enable_test_login: bool
    data_dir: Path

    def endpoint(self, name: str) -> str:
        return f"{self.issuer}/{ENDPOINTS[name]}"

    @property
    def assertion_policy(self) -> AssertionPolicy:
        return AssertionPolicy(audiences=frozenset({self.issuer, self.endpoint("token_endpoint")}))

    @staticmethod
    def now() -> int:
        return int(time.time())

    def metadata(self) -> dict[str, Any]:
        document: dict[str, Any] = {"issuer": self.issuer}
        document.update({name: self.endpoint(name) for name in ENDPOINTS})
        document.update(
            {
                "scopes_supported": sorted(KNOWN_SCOPES),
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code", "client_credentials"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": [SIGNING_ALGORITHM],
                "token_endpoint_auth_methods_supported": AUTH_METHODS,
                "token_endpoint_auth_signing_alg_values_supported": ["RS256", "PS256", "ES256"],
                "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
                "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
                "code_challenge_methods_supported": ["S256"],
                "claims_supported": [
                    "iss",
                    "sub",
                    "aud",
                    "exp",
                    "iat",
                    "auth_time",
                    "nonce",
                    "acr",
                    "azp",
                    "bsn",
                ],
                "acr_values_supported": ["http://eidas.europa.eu/LoA/substantial"],
                "authorization_response_iss_parameter_supported": True,
            }
        )
        return document
