"""The harness's OAuth client: how it obtains tokens from an identity building block.

- ``client_assertion``: a ``private_key_jwt`` client assertion (RFC 7523 section 2.2);
- ``fetch_client_credentials`` / ``client_credentials_token``: an organisation's token;
- ``fetch_citizen_tokens`` / ``citizen_token``: the authorization code flow, in ``oauth_code``.

Everything is discovered from ``<issuer>/.well-known/openid-configuration``. An identity URL is
the issuer (any provider: its metadata sits at the URL plus the well-known suffix); when nothing
answers there and the URL does not end in ``/oidc``, it is read as a GDI identity block's base
URL (``.../identity/v1``, whose issuer is ``.../identity/v1/oidc``).
The harness keeps this client apart from the reference implementation on purpose: it judges
any identity provider by the standards alone.
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from conformance.client.jose import b64url_encode
from conformance.httplimits import HttpClient

__all__ = [
    "CREDENTIAL_FIELDS",
    "JWT_BEARER",
    "OAuthClientError",
    "ProviderMetadata",
    "TokenResponse",
    "assertion_form",
    "client_assertion",
    "client_credentials_token",
    "discover",
    "fetch_client_credentials",
    "issuer_candidates",
    "issuer_of",
    "limited_client",
    "load_private_key",
    "pkce_pair",
    "s256",
    "send_limited",
    "token_request",
]

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
WELL_KNOWN = "/.well-known/openid-configuration"
DEFAULT_TIMEOUT = 10.0
# Provider metadata, tokens and key sets are a few KB; a MB leaves room for any real one.
OAUTH_ANSWER_BYTES = 1024 * 1024

PrivateKey = RSAPrivateKey | EllipticCurvePrivateKey
KeyInput = PrivateKey | Path | str


# Form fields whose values are credentials (the rest, such as scope or client_id, stay readable).
CREDENTIAL_FIELDS = frozenset(
    {"client_assertion", "client_secret", "code", "code_verifier", "token", "refresh_token"}
)


class OAuthClientError(Exception):
    """No token could be obtained. ``error`` is the server's RFC 6749 error code, if any.

    Messages never contain a key, assertion, code or token.
    """

    def __init__(self, message: str, *, error: str | None = None, status: int | None = None):
        super().__init__(message)
        self.error = error
        self.status = status


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    issuer: str
    token_endpoint: str
    authorization_endpoint: str | None
    raw: Mapping[str, Any] = field(repr=False)


@dataclass(frozen=True, slots=True)
class TokenResponse:
    access_token: str = field(repr=False)
    token_type: str
    expires_in: int | None
    scope: str | None
    id_token: str | None = field(default=None, repr=False)
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


def load_private_key(path: Path | str) -> PrivateKey:
    """An unencrypted PEM private key (RSA or EC); ``OAuthClientError`` saying why not."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise OAuthClientError(f"cannot read key file {path}: {exc.strerror or exc}") from exc
    try:
        key = _parse_pem(data)
    except (ValueError, TypeError) as exc:
        raise OAuthClientError(f"{path} is not an unencrypted PEM private key") from exc
    if not isinstance(key, RSAPrivateKey | EllipticCurvePrivateKey):
        raise OAuthClientError(f"{path} is not an RSA or EC private key")
    return key


@functools.lru_cache(maxsize=64)
def _parse_pem(data: bytes) -> object:
    """The key in ``data``, parsed once per process: parsing (and checking) an RSA key costs
    tens of milliseconds, and every client assertion of a run reads its key file again."""
    return load_pem_private_key(data, password=None)


def _key(key: KeyInput) -> PrivateKey:
    return (
        key if isinstance(key, RSAPrivateKey | EllipticCurvePrivateKey) else load_private_key(key)
    )


def _algorithm(key: PrivateKey) -> str:
    return "RS256" if isinstance(key, RSAPrivateKey) else "ES256"


def client_assertion(
    client_id: str,
    key: KeyInput,
    audience: str | Sequence[str],
    *,
    lifetime: int = 60,
    now: int | None = None,
    jti: str | None = None,
    algorithm: str | None = None,
    kid: str | None = None,
    claims: Mapping[str, Any] | None = None,
) -> str:
    """A signed client assertion: iss = sub = client id, the given aud, exp = now + lifetime.

    ``claims`` overrides or adds claims (a check can build a deliberately wrong assertion).
    """
    private_key = _key(key)
    issued = int(time.time()) if now is None else now
    payload: dict[str, Any] = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience if isinstance(audience, str) else list(audience),
        "iat": issued,
        "exp": issued + lifetime,
        "jti": jti or secrets.token_urlsafe(24),
    }
    payload.update(claims or {})
    headers = {"kid": kid} if kid else None
    return jwt.encode(
        payload, private_key, algorithm=algorithm or _algorithm(private_key), headers=headers
    )


def pkce_pair() -> tuple[str, str]:
    """A fresh (code_verifier, S256 code_challenge) pair (RFC 7636 section 4.1 and 4.2)."""
    verifier = secrets.token_urlsafe(48)
    return verifier, s256(verifier)


def s256(verifier: str) -> str:
    """The S256 code_challenge of a code_verifier (RFC 7636 section 4.2)."""
    return b64url_encode(hashlib.sha256(verifier.encode("ascii")).digest())


def issuer_of(identity_url: str) -> str:
    """The GDI block issuer for an identity URL given as base URL (``.../identity/v1``)."""
    url = identity_url.rstrip("/")
    if url.endswith(WELL_KNOWN):
        url = url[: -len(WELL_KNOWN)]
    return url if url.endswith("/oidc") else f"{url}/oidc"


def issuer_candidates(identity_url: str) -> list[str]:
    """Where the issuer may be, most likely first: the URL itself, then the block layout."""
    url = identity_url.rstrip("/")
    if url.endswith(WELL_KNOWN):
        url = url[: -len(WELL_KNOWN)]
    return list(dict.fromkeys((url, issuer_of(url))))


def limited_client(http: HttpClient | None) -> HttpClient:
    # The run's limits on every answer: a provider that sends an endless, trickled or
    # deeply nested document cannot hold the run or exhaust its memory.
    return http or HttpClient(timeout=DEFAULT_TIMEOUT, max_response_bytes=OAUTH_ANSWER_BYTES)


@dataclass(frozen=True, slots=True)
class _Answer:
    status_code: int
    headers: Mapping[str, str]  # names lower-case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def send_limited(
    http: HttpClient,
    method: str,
    url: str,
    *,
    params: Mapping[str, str] | None = None,
    data: Mapping[str, str] | None = None,
) -> _Answer:
    exchange = http.request(method, url, params=params, form=data)
    if exchange.response is None:
        if exchange.answered:  # an answer that may not be read (nested too deeply)
            raise OAuthClientError(f"{url}: {exchange.error}")
        raise OAuthClientError(f"cannot reach {url}: {exchange.error}")
    if exchange.response.truncated:
        raise OAuthClientError(
            f"{url} answered with more than {http.max_response_bytes} bytes",
            status=exchange.response.status,
        )
    response = exchange.response
    return _Answer(response.status, response.headers, response.body)


def discover(identity_url: str, *, http: HttpClient | None = None) -> ProviderMetadata:
    """The provider metadata of the issuer at ``identity_url`` (see the module docstring)."""
    client = limited_client(http)
    try:
        candidates = issuer_candidates(identity_url)
        for issuer in candidates:
            url = issuer + WELL_KNOWN
            response = send_limited(client, "GET", url)
            if response.status_code != 404 or issuer == candidates[-1]:
                break
    finally:
        if http is None:
            client.close()
    if response.status_code != 200:
        raise OAuthClientError(
            f"{url} answered {response.status_code}, not the provider metadata",
            status=response.status_code,
        )
    try:
        document = response.json()
    except ValueError as exc:
        raise OAuthClientError(f"{url} did not answer with JSON") from exc
    if not isinstance(document, dict) or not isinstance(document.get("token_endpoint"), str):
        raise OAuthClientError(f"{url}: the provider metadata has no token_endpoint")
    authorization_endpoint = document.get("authorization_endpoint")
    return ProviderMetadata(
        issuer=str(document.get("issuer") or issuer),
        token_endpoint=document["token_endpoint"],
        authorization_endpoint=authorization_endpoint
        if isinstance(authorization_endpoint, str)
        else None,
        raw=document,
    )


def token_request(
    http: HttpClient, metadata: ProviderMetadata, form: Mapping[str, str]
) -> TokenResponse:
    response = send_limited(http, "POST", metadata.token_endpoint, data=dict(form))
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200:
        error = body.get("error") if isinstance(body, dict) else None
        description = body.get("error_description") if isinstance(body, dict) else None
        detail = f": {error}" if error else ""
        detail += f" ({description})" if description else ""
        raise OAuthClientError(
            f"the token endpoint refused the request with {response.status_code}{detail}",
            error=error if isinstance(error, str) else None,
            status=response.status_code,
        )
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
        raise OAuthClientError("the token endpoint answered 200 without an access_token")
    expires_in = body.get("expires_in")
    return TokenResponse(
        access_token=body["access_token"],
        token_type=str(body.get("token_type", "")),
        expires_in=expires_in if isinstance(expires_in, int) else None,
        scope=body.get("scope") if isinstance(body.get("scope"), str) else None,
        id_token=body.get("id_token") if isinstance(body.get("id_token"), str) else None,
        raw=body,
    )


def assertion_form(client_id: str, key: KeyInput, metadata: ProviderMetadata) -> dict[str, str]:
    return {
        "client_assertion_type": JWT_BEARER,
        "client_assertion": client_assertion(client_id, key, metadata.token_endpoint),
    }


def fetch_client_credentials(
    identity_url: str,
    client_id: str,
    key: KeyInput,
    scopes: Sequence[str] = (),
    *,
    http: HttpClient | None = None,
) -> TokenResponse:
    client = limited_client(http)
    try:
        metadata = discover(identity_url, http=client)
        form = {"grant_type": "client_credentials", **assertion_form(client_id, key, metadata)}
        if scopes:
            form["scope"] = " ".join(scopes)
        return token_request(client, metadata, form)
    finally:
        if http is None:
            client.close()


def client_credentials_token(
    identity_url: str, client_id: str, key: KeyInput, scopes: Sequence[str] = ()
) -> str:
    """An organisation's access token (the engine's ``--identity`` credential source)."""
    return fetch_client_credentials(identity_url, client_id, key, scopes).access_token
