"""The harness's authorization code flow with PKCE S256: a citizen's tokens.

Through the login driver given (a form, a browser, see ``client.login``), else without a
browser: the authorization request names the test citizen in ``login_hint`` (honoured only by
an identity block whose test login is enabled) and the redirect's ``Location`` (302, 303 or
307) is read instead of followed; the code is exchanged at the token endpoint (see ``oauth``
for discovery, the client assertion and the token request).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import yaml

from conformance.client.login import LoginDriver, LoginRequest, NoRedirect
from conformance.client.oauth import (
    DEFAULT_TIMEOUT,
    KeyInput,
    OAuthClientError,
    ProviderMetadata,
    TokenResponse,
    assertion_form,
    discover,
    limited_client,
    pkce_pair,
    send_limited,
    token_request,
)
from conformance.httplimits import Exchange, HttpClient
from conformance.paths import seed_root

__all__ = [
    "authorization_redirect",
    "citizen_token",
    "fetch_citizen_tokens",
    "registered_redirect_uri",
]

LOGIN_PAGE_BYTES = 1024 * 1024  # a login page the driver reads (a form, a redirect)


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
    response = send_limited(http, "GET", metadata.authorization_endpoint, params=dict(params))
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
    client = limited_client(http)
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
            **assertion_form(client_id, key, metadata),
        }
        return token_request(client, metadata, form)
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
