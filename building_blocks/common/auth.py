"""Resource-server side of the NL GOV OAuth profile: verify bearer access tokens.

Messaging and registries protect their operations with::

    verifier = TokenVerifier.from_settings(settings, audience="urn:nld:gdi:messaging")

    @router.post("/messages")
    async def send(token: AccessToken = Depends(verifier.require("messaging:send"))): ...

The verifier reads the identity block's discovery document (``<issuer>/.well-known/
openid-configuration``, issuer = ``<identity base URL>/oidc``) and its JWKS, caches the keys
(re-fetching on an unknown ``kid``, at most once per ``min_refresh_interval``) and checks the
signature (RS256/PS256 only), ``iss``, ``aud``, ``exp``/``nbf``/``iat`` with a small leeway and
the scopes the operation needs. Failures are problem+json with a ``WWW-Authenticate`` challenge
(RFC 6750): 401 for a missing or invalid token, 403 for a missing scope, 400 for a token sent in
the query string (which leaks into logs and histories; the NL GOV profile forbids it).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from starlette.requests import Request

from building_blocks.common.problems import ProblemError
from building_blocks.common.redact import block_logger
from building_blocks.common.settings import Settings

ALLOWED_ALGORITHMS = ("RS256", "PS256")

_logger = block_logger("building_blocks.common.auth")


@dataclass(frozen=True, slots=True)
class AccessToken:
    """The verified claims of an access token, with the ones the blocks use most at hand."""

    claims: Mapping[str, Any]
    scopes: frozenset[str]
    subject: str
    client_id: str | None  # azp: the client the token was issued to
    oin: str | None  # the organisation's OIN, for organisation clients
    bsn: str | None  # only for clients allowed to see it
    expires_at: int


def _challenge(
    realm: str, error: str | None = None, description: str | None = None, **extra: str
) -> dict[str, str]:
    parts = [f'realm="{realm}"']
    if error:
        parts.append(f'error="{error}"')
    if description:
        parts.append(f'error_description="{description}"')
    parts.extend(f'{key}="{value}"' for key, value in extra.items())
    return {"WWW-Authenticate": "Bearer " + ", ".join(parts)}


class TokenVerifier:
    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        realm: str | None = None,
        leeway: float = 30.0,
        min_refresh_interval: float = 10.0,
        keys_max_age: float = 300.0,
        http_timeout: float = 5.0,
        algorithms: Iterable[str] = ALLOWED_ALGORITHMS,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.realm = realm or audience
        self.leeway = leeway
        self.min_refresh_interval = min_refresh_interval
        self.keys_max_age = keys_max_age
        self.http_timeout = http_timeout
        self.algorithms = tuple(alg for alg in algorithms if alg in ALLOWED_ALGORITHMS)
        # kid -> (key, the algorithm the JWK pins it to, if any)
        self._keys: dict[str | None, tuple[jwt.PyJWK, str | None]] = {}
        self._fetched_at: float | None = None  # monotonic time of the last fetch attempt
        self._loaded_at: float | None = None  # monotonic time of the last successful fetch
        self._lock: asyncio.Lock | None = None

    @classmethod
    def from_settings(cls, settings: Settings, *, audience: str, **options: Any) -> TokenVerifier:
        if settings.identity_issuer is None:
            raise ValueError(f"{settings.block} needs identity_url to verify access tokens")
        return cls(issuer=settings.identity_issuer, audience=audience, **options)

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    # -- keys ---------------------------------------------------------------------------------

    async def _fetch_keys(self) -> dict[str | None, tuple[jwt.PyJWK, str | None]]:
        # trust_env=False: the identity block is reached directly, never through a proxy.
        async with httpx.AsyncClient(timeout=self.http_timeout, trust_env=False) as client:
            response = await client.get(self.discovery_url)
            response.raise_for_status()
            discovery = response.json()
            if discovery.get("issuer") != self.issuer:
                raise ValueError(f"discovery names issuer {discovery.get('issuer')!r}")
            jwks_uri = discovery.get("jwks_uri")
            if not isinstance(jwks_uri, str):
                raise ValueError("discovery has no jwks_uri")
            response = await client.get(jwks_uri)
            response.raise_for_status()
            jwks = response.json()
        keys: dict[str | None, tuple[jwt.PyJWK, str | None]] = {}
        for entry in jwks.get("keys", []) if isinstance(jwks, dict) else []:
            if not isinstance(entry, dict) or entry.get("kty") != "RSA":
                continue
            if entry.get("use", "sig") != "sig":
                continue
            try:
                keys[entry.get("kid")] = (jwt.PyJWK(entry), entry.get("alg"))
            except (jwt.PyJWKError, ValueError, TypeError):
                continue  # one unusable key must not take the others down
        return keys

    async def _refresh(self, *, force: bool) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            now = time.monotonic()
            if self._fetched_at is not None and now - self._fetched_at < self.min_refresh_interval:
                return  # fetched moments ago (perhaps by a request we waited for)
            if (
                not force
                and self._loaded_at is not None
                and now - self._loaded_at < self.keys_max_age
            ):
                return
            self._fetched_at = now
            try:
                keys = await self._fetch_keys()
            except (httpx.HTTPError, ValueError) as exc:
                # Keep serving with the keys we have; without any, the caller answers 503.
                _logger.warning("cannot fetch signing keys from %s: %s", self.discovery_url, exc)
                return
            self._keys = keys
            self._loaded_at = time.monotonic()

    async def _key_for(self, kid: str | None) -> tuple[jwt.PyJWK, str | None] | None:
        stale = self._loaded_at is None or time.monotonic() - self._loaded_at >= self.keys_max_age
        if stale:
            await self._refresh(force=False)
        key = self._lookup(kid)
        if key is None and self._loaded_at is not None:
            await self._refresh(force=True)  # the issuer may have rotated its keys
            key = self._lookup(kid)
        if key is None and self._loaded_at is None:
            raise ProblemError(
                503,
                "Service Unavailable",
                "The keys of the identity service that issues access tokens cannot be fetched.",
                headers={"Retry-After": "5"},
            )
        return key

    def _lookup(self, kid: str | None) -> tuple[jwt.PyJWK, str | None] | None:
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid)

    # -- verification -------------------------------------------------------------------------

    def _invalid(self, description: str) -> ProblemError:
        return ProblemError(
            401,
            "Unauthorized",
            description,
            headers=_challenge(self.realm, "invalid_token", description),
        )

    async def verify(self, token: str, scopes: Iterable[str] = ()) -> AccessToken:
        """The token's claims, or a ``ProblemError`` (401 invalid token, 403 missing scope)."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise self._invalid("The access token is not a well-formed JWT.") from None
        algorithm = header.get("alg")
        if algorithm not in self.algorithms:
            raise self._invalid("The access token is not signed with an accepted algorithm.")
        kid = header.get("kid")
        found = await self._key_for(kid if isinstance(kid, str) else None)
        if found is None:
            raise self._invalid("The access token is signed with an unknown key.")
        key, pinned_algorithm = found
        if pinned_algorithm is not None and pinned_algorithm != algorithm:
            raise self._invalid("The access token's algorithm does not match its key.")
        try:
            claims = jwt.decode(
                token,
                key=key.key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise self._invalid("The access token has expired.") from None
        except jwt.ImmatureSignatureError:
            raise self._invalid("The access token is not valid yet.") from None
        except jwt.InvalidAudienceError:
            raise self._invalid("The access token is not meant for this service.") from None
        except jwt.InvalidIssuerError:
            raise self._invalid("The access token was not issued by the trusted issuer.") from None
        except jwt.MissingRequiredClaimError as exc:
            raise self._invalid(f"The access token lacks the {exc.claim} claim.") from None
        except jwt.InvalidSignatureError:
            raise self._invalid("The access token's signature is invalid.") from None
        except jwt.InvalidTokenError:
            raise self._invalid("The access token is invalid.") from None
        token_scopes = _scopes(claims.get("scope"))
        missing = [scope for scope in scopes if scope not in token_scopes]
        if missing:
            needed = " ".join(scopes)
            raise ProblemError(
                403,
                "Forbidden",
                f"This operation needs the scope {' '.join(missing)}.",
                headers=_challenge(
                    self.realm,
                    "insufficient_scope",
                    "The token lacks a needed scope.",
                    scope=needed,
                ),
            )
        return AccessToken(
            claims=claims,
            scopes=token_scopes,
            subject=str(claims.get("sub", "")),
            client_id=_optional_str(claims.get("azp", claims.get("client_id"))),
            oin=_optional_str(claims.get("oin")),
            bsn=_optional_str(claims.get("bsn")),
            expires_at=int(claims["exp"]),
        )

    async def authenticate(self, request: Request, scopes: Iterable[str] = ()) -> AccessToken:
        """Take the bearer token from the request and verify it."""
        if "access_token" in request.query_params:
            raise ProblemError(
                400,
                "Bad Request",
                "Send the access token in the Authorization header, never in the URL.",
                headers=_challenge(self.realm, "invalid_request", "Token in the query string."),
            )
        authorization = request.headers.get("authorization")
        if not authorization:
            raise ProblemError(
                401,
                "Unauthorized",
                "This operation needs an access token (Authorization: Bearer ...).",
                headers=_challenge(self.realm),
            )
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer":
            raise ProblemError(
                401,
                "Unauthorized",
                "Only bearer access tokens are accepted.",
                headers=_challenge(self.realm),
            )
        token = token.strip()
        if not token:
            raise self._invalid("The access token is empty.")
        return await self.verify(token, scopes)

    def require(self, *scopes: str) -> Callable[[Request], Awaitable[AccessToken]]:
        """A FastAPI dependency: ``Depends(verifier.require("messaging:send"))``."""

        async def dependency(request: Request) -> AccessToken:
            return await self.authenticate(request, scopes)

        return dependency


def _scopes(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list):
        return frozenset(str(item) for item in value)
    return frozenset()


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)
