"""Resource-server side of the NL GOV OAuth profile: verify bearer access tokens.

Messaging and registries protect their operations with::

    verifier = TokenVerifier.from_settings(settings, audience="urn:nld:gdi:messaging")

    @router.post("/messages")
    async def send(token: AccessToken = Depends(verifier.require("messaging:send"))): ...

The verifier works with any OpenID provider. It reads the discovery document from the configured
issuer URL (``<url>/.well-known/openid-configuration``; a GDI identity block's base URL has its
issuer at ``<url>/oidc``, tried when the first answers 404), trusts the issuer the document names
only when it is the URL the document came from (OpenID Connect Discovery 1.0 section 4.3), and:

- verifies a JWT access token (RFC 9068) locally against the discovered ``jwks_uri``, caching the
  keys (re-fetching on an unknown ``kid``, at most once per ``min_refresh_interval``): signature
  (RS256/PS256 only), ``iss``, ``aud``, ``exp``/``nbf``/``iat`` with a small leeway;
- asks the discovered introspection endpoint (RFC 7662) about any other (opaque) token, as its
  own client (``IntrospectionClient``: private_key_jwt), and keeps each answer briefly
  (``introspection_cache_seconds``, never past the token's ``exp``);

then checks the scopes the operation needs. Failures are problem+json with a
``WWW-Authenticate`` challenge (RFC 6750): 401 for a missing or invalid token, 403 for a missing
scope, 400 for a token sent in the query string (which leaks into logs and histories; the NL GOV
profile forbids it), 503 when the provider cannot be asked.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
from starlette.requests import Request

from building_blocks.common.problems import ProblemError
from building_blocks.common.redact import block_logger
from building_blocks.common.settings import Settings

ALLOWED_ALGORITHMS = ("RS256", "PS256")
WELL_KNOWN = "/.well-known/openid-configuration"
# Where a GDI identity block's base URL has its issuer (tried after the URL itself).
REFERENCE_ISSUER_PATH = "/oidc"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
INTROSPECTION_CACHE_ENTRIES = 1024

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


@dataclass(frozen=True, slots=True)
class IntrospectionClient:
    """The resource server's own registration at the OpenID provider, for RFC 7662
    introspection: authenticated with private_key_jwt (RFC 7523), the key in a PEM file."""

    client_id: str
    key_path: Path

    def assertion(self, audience: str) -> str:
        try:
            key = self.key_path.read_bytes()
        except OSError as exc:
            raise ValueError(f"cannot read the introspection key {self.key_path}: {exc}") from exc
        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": audience,
            "iat": now,
            "exp": now + 60,
            "jti": secrets.token_urlsafe(24),
        }
        return jwt.encode(claims, key, algorithm="RS256")


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
        introspection_client: IntrospectionClient | None = None,
        introspection_cache_seconds: float = 10.0,
    ) -> None:
        # The configured URL until discovery names the issuer (the same, or the URL + /oidc).
        self.issuer = issuer.rstrip("/")
        self.configured_url = self.issuer
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
        self.introspection_client = introspection_client
        self.introspection_cache_seconds = introspection_cache_seconds
        self._introspection_endpoint: str | None = None
        # sha256 of the token -> (its claims, monotonic time the answer may be kept until)
        self._introspected: dict[str, tuple[dict[str, Any], float]] = {}

    @classmethod
    def from_settings(cls, settings: Settings, *, audience: str, **options: Any) -> TokenVerifier:
        if settings.identity_url is None:
            raise ValueError(f"{settings.block} needs identity_url to verify access tokens")
        if settings.introspection_client_id and settings.introspection_key:
            options.setdefault(
                "introspection_client",
                IntrospectionClient(settings.introspection_client_id, settings.introspection_key),
            )
        return cls(issuer=settings.identity_url, audience=audience, **options)

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}{WELL_KNOWN}"

    async def _discover(self, client: httpx.AsyncClient) -> dict[str, Any]:
        """The provider's metadata from the configured URL (or, for a GDI identity block's
        base URL, from URL + /oidc); its issuer must be the URL it was found under."""
        candidates = [self.configured_url]
        if not self.configured_url.endswith(REFERENCE_ISSUER_PATH):
            candidates.append(self.configured_url + REFERENCE_ISSUER_PATH)
        for index, candidate in enumerate(candidates):
            response = await client.get(candidate + WELL_KNOWN)
            if response.status_code == 404 and index + 1 < len(candidates):
                continue
            response.raise_for_status()
            discovery = response.json()
            if not isinstance(discovery, dict) or discovery.get("issuer") != candidate:
                named = discovery.get("issuer") if isinstance(discovery, dict) else None
                raise ValueError(f"discovery at {candidate} names issuer {named!r}")
            return discovery
        raise ValueError("no discovery document")  # not reached: the last answer raised

    # -- keys ---------------------------------------------------------------------------------

    async def _fetch_keys(self) -> dict[str | None, tuple[jwt.PyJWK, str | None]]:
        # trust_env=False: the identity block is reached directly, never through a proxy.
        async with httpx.AsyncClient(timeout=self.http_timeout, trust_env=False) as client:
            discovery = await self._discover(client)
            self.issuer = str(discovery["issuer"])
            endpoint = discovery.get("introspection_endpoint")
            self._introspection_endpoint = endpoint if isinstance(endpoint, str) else None
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
        if token.count(".") != 2 and self.introspection_client is not None:
            claims = await self._introspect(token)  # an opaque token: ask its issuer
        else:
            claims = await self._decode(token)
        return self._granted(claims, scopes)

    async def _decode(self, token: str) -> dict[str, Any]:
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
        return dict(claims)

    def _unavailable(self) -> ProblemError:
        return ProblemError(
            503,
            "Service Unavailable",
            "The identity service that issues access tokens cannot be asked about this token.",
            headers={"Retry-After": "5"},
        )

    async def _introspect(self, token: str) -> dict[str, Any]:
        """RFC 7662: the claims of an active token meant for this service, kept briefly."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        now = time.monotonic()
        cached = self._introspected.get(digest)
        if cached is not None and cached[1] > now:
            return cached[0]
        if self._loaded_at is None:
            await self._refresh(force=False)
        client = self.introspection_client
        if self._introspection_endpoint is None or client is None:
            raise self._unavailable()
        try:
            assertion = client.assertion(self.issuer)
            async with httpx.AsyncClient(timeout=self.http_timeout, trust_env=False) as http:
                response = await http.post(
                    self._introspection_endpoint,
                    data={
                        "token": token,
                        "token_type_hint": "access_token",
                        "client_id": client.client_id,
                        "client_assertion_type": JWT_BEARER,
                        "client_assertion": assertion,
                    },
                    headers={"Accept": "application/json"},
                )
            response.raise_for_status()
            answer = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            _logger.warning("cannot introspect at %s: %s", self._introspection_endpoint, exc)
            raise self._unavailable() from None
        if not isinstance(answer, dict) or answer.get("active") is not True:
            raise self._invalid("The access token is not active.")
        claims = self._introspected_claims(answer)
        keep = min(now + self.introspection_cache_seconds, now + claims["exp"] - time.time())
        if len(self._introspected) >= INTROSPECTION_CACHE_ENTRIES:
            self._introspected = {k: v for k, v in self._introspected.items() if v[1] > now}
            while len(self._introspected) >= INTROSPECTION_CACHE_ENTRIES:
                self._introspected.pop(next(iter(self._introspected)))
        self._introspected[digest] = (claims, keep)
        return claims

    def _introspected_claims(self, answer: dict[str, Any]) -> dict[str, Any]:
        """The checks a JWT gets, applied to an introspection answer."""
        if answer.get("iss", self.issuer) != self.issuer:
            raise self._invalid("The access token was not issued by the trusted issuer.")
        exp = answer.get("exp")
        if not isinstance(exp, int) or exp + self.leeway < time.time():
            raise self._invalid("The access token has expired.")
        audience = answer.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.audience not in audiences:
            raise self._invalid("The access token is not meant for this service.")
        if answer.get("token_type", "Bearer").lower() != "bearer":
            raise self._invalid("Only bearer access tokens are accepted.")
        return answer

    def _granted(self, claims: dict[str, Any], scopes: Iterable[str]) -> AccessToken:
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
