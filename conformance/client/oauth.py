"""The harness's OAuth client: how it obtains tokens from an identity building block.

- ``client_assertion``: a ``private_key_jwt`` client assertion (RFC 7523 section 2.2);
- ``fetch_client_credentials`` / ``client_credentials_token``: an organisation's token;
- ``fetch_citizen_tokens`` / ``citizen_token``: the authorization code flow with PKCE S256:
  through the login driver given (a form, a browser, see ``behaviour.login``), else without a
  browser: the authorization request names the test citizen in ``login_hint`` (honoured only by
  an identity block whose test login is enabled) and the redirect's ``Location`` (302, 303 or
  307) is read instead of followed; the code is exchanged at the token endpoint.

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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import yaml
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from conformance.client.jose import b64url_encode
from conformance.client.login import LoginDriver, LoginRequest, NoRedirect
from conformance.httplimits import Exchange, HttpClient
from conformance.paths import seed_root

__all__ = [
    "CREDENTIAL_FIELDS",
    "JWT_BEARER",
    "OAuthClientError",
    "ProviderMetadata",
    "TokenResponse",
    "authorization_redirect",
    "citizen_token",
    "client_assertion",
    "client_credentials_token",
    "discover",
    "fetch_citizen_tokens",
    "fetch_client_credentials",
    "issuer_candidates",
    "issuer_of",
    "load_private_key",
    "pkce_pair",
    "registered_redirect_uri",
    "s256",
]

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
WELL_KNOWN = "/.well-known/openid-configuration"
DEFAULT_TIMEOUT = 10.0
LOGIN_PAGE_BYTES = 1024 * 1024
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


def _client(http: HttpClient | None) -> HttpClient:
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


def _send(
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
    client = _client(http)
    try:
        candidates = issuer_candidates(identity_url)
        for issuer in candidates:
            url = issuer + WELL_KNOWN
            response = _send(client, "GET", url)
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


def _token_request(
    http: HttpClient, metadata: ProviderMetadata, form: Mapping[str, str]
) -> TokenResponse:
    response = _send(http, "POST", metadata.token_endpoint, data=dict(form))
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


def _assertion_form(client_id: str, key: KeyInput, metadata: ProviderMetadata) -> dict[str, str]:
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
    client = _client(http)
    try:
        metadata = discover(identity_url, http=client)
        form = {"grant_type": "client_credentials", **_assertion_form(client_id, key, metadata)}
        if scopes:
            form["scope"] = " ".join(scopes)
        return _token_request(client, metadata, form)
    finally:
        if http is None:
            client.close()


def client_credentials_token(
    identity_url: str, client_id: str, key: KeyInput, scopes: Sequence[str] = ()
) -> str:
    """An organisation's access token (the engine's ``--identity`` credential source)."""
    return fetch_client_credentials(identity_url, client_id, key, scopes).access_token


def registered_redirect_uri(client_id: str, clients_file: Path | None = None) -> str:
    """The first redirect URI registered for a client in the seed clients file."""
    path = clients_file or seed_root() / "identity" / "clients.yaml"
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise OAuthClientError(f"cannot read the client registrations {path}") from exc
    for entry in (document or {}).get("clients") or ():
        if isinstance(entry, dict) and entry.get("client_id") == client_id:
            uris = entry.get("redirect_uris") or ()
            if uris:
                return str(uris[0])
    raise OAuthClientError(
        f"no redirect URI known for client {client_id!r}; give one (--redirect-uri)"
    )


REDIRECTS = (302, 303, 307)  # RFC 6749 3.1.2 allows any redirection; these are the usual ones


def authorization_redirect(
    http: HttpClient, metadata: ProviderMetadata, params: Mapping[str, str]
) -> dict[str, str]:
    """Send an authorization request and return the query of the redirect it answers with."""
    if metadata.authorization_endpoint is None:
        raise OAuthClientError("the provider metadata has no authorization_endpoint")
    response = _send(http, "GET", metadata.authorization_endpoint, params=dict(params))
    if response.status_code not in REDIRECTS:
        raise OAuthClientError(
            f"the authorization endpoint answered {response.status_code} instead of a redirect",
            status=response.status_code,
        )
    return _redirect_values(response.headers.get("location", ""), response.status_code)


def _redirect_values(location: str, status: int) -> dict[str, str]:
    values = {name: items[0] for name, items in parse_qs(urlsplit(location).query).items()}
    if "error" in values:
        description = values.get("error_description")
        raise OAuthClientError(
            f"the authorization request was refused: {values['error']}"
            + (f" ({description})" if description else ""),
            error=values["error"],
            status=status,
        )
    return values


# (every request of a login, in order; how it ended): for whoever shows the login as evidence
LoginObserver = Callable[[list[Exchange], str], None]


def _driven_login(
    driver: LoginDriver,
    metadata: ProviderMetadata,
    params: Mapping[str, str],
    bsn: str,
    fields: Mapping[str, str],
    observe: LoginObserver | None = None,
) -> dict[str, str]:
    """The authorization request through a login driver (a form, a browser, a test login)."""
    if metadata.authorization_endpoint is None:
        raise OAuthClientError("the provider metadata has no authorization_endpoint")
    endpoint = metadata.authorization_endpoint
    url = endpoint + ("&" if "?" in endpoint else "?") + urlencode(dict(params))
    sent: list[Exchange] = []
    with HttpClient(timeout=DEFAULT_TIMEOUT, max_response_bytes=LOGIN_PAGE_BYTES) as web:

        def send(
            method: str,
            address: str,
            headers: Mapping[str, str],
            body: bytes | None,
            cookies: httpx.Cookies | None = None,
        ) -> Exchange:
            exchange = web.send(method, address, headers=dict(headers), body=body, cookies=cookies)
            sent.append(exchange)
            return exchange

        def get(address: str) -> Exchange:
            return send("GET", address, {"Accept": "*/*"}, None)

        request = LoginRequest(
            url, params["redirect_uri"], bsn, get, send, dict(fields), sent.append
        )
        try:
            location = driver(request)
        except NoRedirect as exc:
            if observe is not None:
                observe(sent, f"no redirect back to the client: {exc}")
            raise OAuthClientError(f"the login gave no redirect back to the client: {exc}") from exc
    if observe is not None:
        code = "code" in parse_qs(urlsplit(location).query)
        observe(sent, "redirected back to the client" + (" with a code" if code else ""))
    return _redirect_values(location, 302)


def fetch_citizen_tokens(
    identity_url: str,
    client_id: str,
    key: KeyInput,
    *,
    bsn: str,
    scopes: Sequence[str] = ("openid",),
    redirect_uri: str | None = None,
    nonce: str | None = None,
    http: HttpClient | None = None,
    driver: LoginDriver | None = None,
    fields: Mapping[str, str] | None = None,
    observe: LoginObserver | None = None,
) -> TokenResponse:
    """The authorization code flow with PKCE S256: through ``driver`` (with the citizen's
    login ``fields``), else through the test login (the BSN in login_hint), without a browser.
    ``observe`` is told every request of a driver's login and how it ended."""
    redirect_uri = redirect_uri or registered_redirect_uri(client_id)
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(16)
    client = _client(http)
    try:
        metadata = discover(identity_url, http=client)
        params = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(scopes),
            "state": state,
            "nonce": nonce or secrets.token_urlsafe(16),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        if driver is None:
            values = authorization_redirect(client, metadata, {**params, "login_hint": bsn})
        else:
            values = _driven_login(driver, metadata, params, bsn, fields or {}, observe)
        if values.get("state") != state:
            raise OAuthClientError("the redirect did not return the request's state")
        if "code" not in values:
            raise OAuthClientError("the redirect carries no authorization code")
        form = {
            "grant_type": "authorization_code",
            "code": values["code"],
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
            **_assertion_form(client_id, key, metadata),
        }
        return _token_request(client, metadata, form)
    finally:
        if http is None:
            client.close()


def citizen_token(
    identity_url: str,
    client_id: str,
    key: KeyInput,
    *,
    bsn: str,
    scopes: Sequence[str] = ("openid",),
    redirect_uri: str | None = None,
    driver: LoginDriver | None = None,
    fields: Mapping[str, str] | None = None,
    observe: LoginObserver | None = None,
) -> str:
    """A citizen's access token (authorization code + PKCE through ``driver``, else the test
    login)."""
    return fetch_citizen_tokens(
        identity_url,
        client_id,
        key,
        bsn=bsn,
        scopes=scopes,
        redirect_uri=redirect_uri,
        driver=driver,
        fields=fields,
        observe=observe,
    ).access_token
