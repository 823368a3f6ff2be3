"""The identity provider under test, as the identity checks talk to it.

Everything is found the way any OAuth client finds it: the discovery document of the issuer
(``getOpenidConfiguration``, which the run has put at the issuer's well-known path, see
``endpoints``), then the endpoints and ``jwks_uri`` it advertises. Requests go through the
check's ``Session`` (timed out, no redirects followed, every exchange kept as evidence); every
assertion, code, verifier and token the harness handles is registered with the run's redactor.

``CannotJudge`` means the provider did not let the harness get as far as the requirement (the
test clients are not registered, the metadata is unusable, no login): the check is an error,
not a pass and not a failure.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import jwt

from conformance.client.harness_clients import TestClient, TestClients
from conformance.client.login import (
    LoginDriver,
    LoginRequest,
    NoRedirect,
    Send,
    cookie_values,
    driver_name,
)
from conformance.client.oauth import (
    CREDENTIAL_FIELDS,
    PrivateKey,
    client_assertion,
    load_private_key,
    s256,
)
from conformance.client.reply import Reply
from conformance.engine.behaviour import base
from conformance.engine.behaviour.base import Session
from conformance.engine.behaviour.roles import citizen_bsn
from conformance.engine.checks.active import LoginTrace
from conformance.httplimits import Exchange
from conformance.spec.vendor import Citizen

FORM = "application/x-www-form-urlencoded"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
WELL_KNOWN = "/.well-known/openid-configuration"
DISCOVERY_OPERATION = "getOpenidConfiguration"
# What the NL GOV profile allows a provider to sign tokens with.
SIGNING_ALGORITHMS = ("RS256", "PS256")
# Operation ids of the catalogue spec, so evidence names the operation.
OPERATION_OF_ENDPOINT = {
    "token_endpoint": "token",
    "authorization_endpoint": "authorize",
    "introspection_endpoint": "introspect",
    "revocation_endpoint": "revoke",
    "userinfo_endpoint": "getUserinfo",
    "jwks_uri": "getJwks",
}


class CannotJudge(base.CannotJudge):
    """The provider did not let the check reach what it judges; the check is an error."""

    def __init__(self, title: str, message: str, exchange: Exchange | None = None) -> None:
        super().__init__(message)
        self.title = title
        self.message = message
        self.exchange = exchange


class TokenProblem(Exception):
    """A token is not a JWS that verifies against the provider's JWKS; says why."""


@dataclass(slots=True)
class Login:
    """What came back from one authorization request through the login driver."""

    redirect: str | None  # the URL the provider redirected to, None when it did not
    values: dict[str, str]  # the query of that redirect (code, state, error, ...)
    verifier: str | None
    state: str
    nonce: str
    redirect_uri: str
    exchange: Exchange | None  # the last request the driver sent through the harness
    refusal: str | None = None  # why there was no redirect
    steps: tuple[Exchange, ...] = ()  # every request of the login, in order (evidence)

    @property
    def code(self) -> str | None:
        return self.values.get("code")


def steps_of(exchanges: Sequence[Exchange]) -> str:
    """Every request of a login with its answer, in order: where a login stopped, and how."""
    if not exchanges:
        return "none were sent"
    parts = []
    for exchange in exchanges:
        answer = exchange.response.status if exchange.response else exchange.error
        parts.append(
            f"{exchange.request.method} {exchange.request.url.split('?', 1)[0]} -> {answer}"
        )
    return "; ".join(parts)


def is_jwt(token: object) -> bool:
    """Whether a token is a JWS in compact serialisation (else an opaque handle)."""
    if not isinstance(token, str) or token.count(".") != 2:
        return False
    try:
        jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return False
    return True


@dataclass(slots=True)
class TokenClaims:
    """What an access token says: its own payload (a JWT), or, for an opaque token, what the
    provider's introspection endpoint says of it (RFC 7662); ``source`` names which."""

    claims: dict[str, Any]
    reply: Reply | None  # the answer that carried them (token response or introspection)
    source: str  # "access token" or "introspection of the access token"

    @property
    def is_jwt(self) -> bool:
        return self.source == "access token"


def unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, claims) of a JWT without verifying it; ``TokenProblem`` if it is none."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise TokenProblem(f"it is not a JWT in compact serialisation ({exc})") from exc
    return header, claims


def _outcome_of(login: Login) -> str:
    """How the login ended, in words for the evidence."""
    if login.code is not None:
        return "redirected back to the client with a code"
    if login.refusal is not None:
        return f"no redirect back to the client: {login.refusal}"
    return f"redirected back to the client without a code ({sorted(login.values)})"


@dataclass
class Provider:
    session: Session
    clients: TestClients
    driver: LoginDriver
    _metadata: dict[str, Any] | None = None
    _metadata_url: str | None = None
    _jwks: dict[str, Any] | None = None
    _audience: str | None = None
    _issued_by: dict[str, Reply] = field(default_factory=dict)
    _keys: dict[str, PrivateKey] = field(default_factory=dict)

    # -- plumbing ---------------------------------------------------------------------------
    def secret(self, *values: str | None) -> None:
        """Keep these values (tokens, codes, assertions) out of every report."""
        for value in values:
            if value:
                self.session.ctx.subjects.redactor.add_secret(value)

    @property
    def citizen(self) -> str:
        """The test citizen's BSN: the vendor file's first citizen, else a synthetic one
        (valid, derived from the run's seed)."""
        first = self._vendor_citizen()
        return first.bsn if first is not None else citizen_bsn(self.session.seed, 0)

    def _vendor_citizen(self) -> Citizen | None:
        vendor = self.session.ctx.vendor
        block = vendor.block("identity") if vendor is not None else None
        return block.citizens[0] if block is not None and block.citizens else None

    def discovery_url(self) -> str:
        for operation in self.session.ctx.operations:
            if operation.operation_id == DISCOVERY_OPERATION and operation.method == "GET":
                return self.session.ctx.url(operation.path)
        raise CannotJudge(
            "No discovery operation",
            f"the spec under test has no GET operation {DISCOVERY_OPERATION}, so the harness "
            "does not know where the provider metadata is",
        )

    def fetch_metadata(self) -> tuple[str, Reply]:
        url = self.discovery_url()
        return url, self.session.call(None, "GET", url, headers={"Accept": "application/json"})

    @property
    def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            url, reply = self.fetch_metadata()
            document = reply.json()
            if reply.status != 200 or not isinstance(document, dict):
                raise CannotJudge(
                    "No provider metadata",
                    f"{reply.describe()}: the checks need the provider metadata",
                    reply.exchange,
                )
            self._metadata, self._metadata_url = document, url
        return self._metadata

    @property
    def issuer(self) -> str:
        value = self.metadata.get("issuer")
        return value if isinstance(value, str) else ""

    def endpoint(self, name: str) -> str:
        value = self.metadata.get(name)
        parts = urlsplit(value) if isinstance(value, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise CannotJudge(
                f"No usable {name}", f"the provider metadata gives no absolute URL for {name}"
            )
        return str(value)

    def key(self, client: TestClient) -> PrivateKey:
        if client.client_id not in self._keys:
            self._keys[client.client_id] = load_private_key(client.key_path)
        return self._keys[client.client_id]

    # -- requests ---------------------------------------------------------------------------
    def _secret_form(self, body: bytes | None) -> None:
        """A login form's password (and any other typed-in credential) stays out of reports."""
        if body:
            for name, value in parse_qsl(body.decode("utf-8", "replace")):
                if "pass" in name.lower() or name in CREDENTIAL_FIELDS:
                    self.secret(value)

    def post_form(
        self,
        endpoint: str,
        fields: Mapping[str, str],
        *,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """POST a form body to an advertised endpoint (``token_endpoint``, ...)."""
        self.secret(*(value for name, value in fields.items() if name in CREDENTIAL_FIELDS))
        sent = {"Content-Type": FORM, "Accept": "application/json", **(headers or {})}
        return self.session.call(
            None, "POST", self.endpoint(endpoint), raw=urlencode(fields).encode(), headers=sent
        )

    def assertion(
        self,
        client: TestClient,
        *,
        audience: str | list[str] | None = None,
        lifetime: int = 60,
        now: int | None = None,
        claims: Mapping[str, Any] | None = None,
        key: PrivateKey | None = None,
        algorithm: str | None = None,
    ) -> str:
        value = client_assertion(
            client.client_id,
            key or self.key(client),
            audience if audience is not None else self.audience,
            lifetime=lifetime,
            now=now,
            claims=claims,
            algorithm=algorithm,
        )
        self.secret(value)
        return value

    @property
    def audience(self) -> str:
        """The client-assertion aud this provider accepts: its token endpoint, else its issuer.

        RFC 7523 and OpenID Connect Core 9 allow either, so the harness asks rather than
        assumes (one client_credentials request per candidate, until one gets a token).
        """
        if self._audience is None:
            token_endpoint = self.endpoint("token_endpoint")
            self._audience = token_endpoint
            organisation = self.clients.organisation
            for candidate in dict.fromkeys((token_endpoint, self.issuer)):
                if not candidate:
                    continue
                probe = self.assertion(organisation, audience=candidate)
                if self.issued(self.client_credentials(organisation, assertion=probe)):
                    self._audience = candidate
                    break
        return self._audience

    def authentication(self, client: TestClient, assertion: str | None = None) -> dict[str, str]:
        return {
            "client_assertion_type": JWT_BEARER,
            "client_assertion": assertion or self.assertion(client),
        }

    def client_credentials(
        self, client: TestClient, scope: str | None = None, *, assertion: str | None = None
    ) -> Reply:
        fields = {"grant_type": "client_credentials", **self.authentication(client, assertion)}
        if scope is not None:
            fields["scope"] = scope
        return self.post_form("token_endpoint", fields)

    def issued(self, reply: Reply) -> dict[str, Any] | None:
        """The token response when the request got tokens, else None."""
        body = reply.json()
        if (
            reply.status == 200
            and isinstance(body, dict)
            and isinstance(body.get("access_token"), str)
        ):
            self.secret(body["access_token"], body.get("id_token"), body.get("refresh_token"))
            self._issued_by[body["access_token"]] = reply
            return body
        return None

    def reply_of(self, tokens: dict[str, Any]) -> Reply | None:
        """The token response that brought these tokens (evidence for what they hold)."""
        return self._issued_by.get(str(tokens.get("access_token")))

    def require_tokens(self, reply: Reply, what: str) -> dict[str, Any]:
        body = self.issued(reply)
        if body is None:
            raise CannotJudge(
                "The harness got no token",
                f"{reply.describe()} when the harness asked for {what}; the check needs that "
                "token (are the harness's test clients registered with their test keys?)",
                reply.exchange,
            )
        return body

    def organisation_token(self, scope: str | None = None) -> dict[str, Any]:
        client = self.clients.organisation
        reply = self.client_credentials(client, scope)
        return self.require_tokens(reply, f"a client_credentials token for {client.client_id}")

    def userinfo(self, access_token: str) -> Reply | None:
        """The userinfo endpoint's answer to ``access_token``; None if the provider has none."""
        if "userinfo_endpoint" not in self.metadata:
            return None
        return self.session.call(
            None,
            "GET",
            self.endpoint("userinfo_endpoint"),
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        )

    def introspect(self, token: str, client: TestClient) -> Reply:
        fields = {"token": token, "token_type_hint": "access_token"}
        return self.post_form("introspection_endpoint", {**fields, **self.authentication(client)})

    def access_claims(self, tokens: Mapping[str, Any], client: TestClient) -> TokenClaims:
        """The claims of an access token: a JWT's payload, else its introspection (as the
        client it was issued to); ``CannotJudge`` when an opaque token cannot be looked into."""
        token = str(tokens.get("access_token"))
        if is_jwt(token):
            return TokenClaims(unverified(token)[1], self.reply_of(dict(tokens)), "access token")
        if "introspection_endpoint" not in self.metadata:
            raise CannotJudge(
                "An opaque access token and no introspection endpoint",
                f"the access token issued to {client.client_id} is not a JWT and the provider "
                "advertises no introspection_endpoint, so its claims cannot be read",
            )
        reply = self.introspect(token, client)
        body = reply.json()
        if reply.status != 200 or not isinstance(body, dict) or body.get("active") is not True:
            raise CannotJudge(
                "Introspection does not describe the access token",
                f"the access token issued to {client.client_id} is not a JWT, and introspecting "
                f"it as that client: {reply.describe()}, not an active token's claims",
                reply.exchange,
            )
        return TokenClaims(body, reply, "introspection of the access token")

    # -- keys and token verification ---------------------------------------------------------
    def jwks_reply(self) -> Reply:
        return self.session.call(
            None, "GET", self.endpoint("jwks_uri"), headers={"Accept": "application/json"}
        )

    @property
    def jwks(self) -> dict[str, Any]:
        if self._jwks is None:
            reply = self.jwks_reply()
            document = reply.json()
            if reply.status != 200 or not isinstance(document, dict):
                raise CannotJudge("No JWKS", f"{reply.describe()}", reply.exchange)
            self._jwks = document
        return self._jwks

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a token that is a JWS (RS256/PS256) verifying against the JWKS."""
        header, _ = unverified(token)
        algorithm = header.get("alg")
        if algorithm not in SIGNING_ALGORITHMS:
            raise TokenProblem(f"it is signed with alg {algorithm!r}, not RS256 or PS256")
        keys = [item for item in self.jwks.get("keys") or () if isinstance(item, dict)]
        kid = header.get("kid")
        candidates = [item for item in keys if item.get("kid") == kid] if kid else keys
        if not candidates:
            raise TokenProblem(f"its kid {kid!r} names no key in the JWKS")
        for candidate in candidates:
            try:
                public = jwt.PyJWK(candidate, algorithm).key
                claims: dict[str, Any] = jwt.decode(
                    token,
                    public,
                    algorithms=[algorithm],
                    options={
                        "verify_aud": False,
                        "verify_exp": False,
                        "verify_iat": False,
                        "verify_nbf": False,
                        "verify_iss": False,
                    },
                )
            except (jwt.PyJWTError, ValueError, TypeError):
                continue
            return claims
        raise TokenProblem("its signature does not verify with the key the JWKS gives for it")

    # -- the authorization code flow ---------------------------------------------------------
    def login(
        self,
        client: TestClient,
        *,
        scope: str = "openid",
        pkce: bool | str = True,
        redirect_uri: str | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> Login:
        """One authorization request through the login driver.

        ``pkce``: True sends a fresh S256 challenge, False none, ``"plain"`` a plain challenge.
        """
        target = redirect_uri or client.redirect_uri
        if not target:
            raise CannotJudge("No redirect URI", f"{client.client_id} has no redirect URI")
        url, login = self._authorization_request(client, target, scope, pkce, extra)
        sent: list[Exchange] = []
        send = self._recording_sender(sent)

        def get(address: str) -> Exchange:
            return send("GET", address, {"Accept": "*/*"}, None)

        try:
            citizen = self._vendor_citizen()
            fields = dict(citizen.fields) if citizen is not None else {}
            self.secret(*(value for name, value in fields.items() if "pass" in name.lower()))
            request = LoginRequest(url, target, self.citizen, get, send, fields, sent.append)
            location = self.driver(request)
        except NoRedirect as exc:
            login.refusal = str(exc)
        except Exception as exc:
            self._shown(client, sent, f"the login driver failed: {type(exc).__name__}: {exc}")
            raise CannotJudge(
                "The login driver failed",
                f"{type(exc).__name__}: {exc}. The login's steps: {steps_of(sent)}",
                sent[-1] if sent else None,
            ) from exc
        else:
            login.redirect = location
            login.values = dict(parse_qsl(urlsplit(location).query, keep_blank_values=True))
            self.secret(login.values.get("code"))
        login.exchange = sent[-1] if sent else None
        login.steps = tuple(sent)
        self._shown(client, sent, _outcome_of(login))
        return login

    def _authorization_request(
        self,
        client: TestClient,
        target: str,
        scope: str,
        pkce: bool | str,
        extra: Mapping[str, str] | None,
    ) -> tuple[str, Login]:
        """The authorization URL, and the login it starts (its state, nonce and verifier)."""
        state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        params = {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": target,
            "scope": scope,
            "state": state,
            "nonce": nonce,
        }
        verifier: str | None = None
        if pkce:
            verifier = secrets.token_urlsafe(48)
            plain = pkce == "plain"
            params["code_challenge"] = verifier if plain else s256(verifier)
            params["code_challenge_method"] = "plain" if plain else "S256"
        params.update(extra or {})
        url = self.endpoint("authorization_endpoint")
        url += ("&" if "?" in url else "?") + urlencode(params)
        return url, Login(None, {}, verifier, state, nonce, target, None)

    def _recording_sender(self, sent: list[Exchange]) -> Send:
        """A sender for the login driver that keeps every exchange and its secrets out of logs."""

        def send(
            method: str,
            address: str,
            headers: Mapping[str, str],
            body: bytes | None,
            cookies: httpx.Cookies | None = None,
        ) -> Exchange:
            self._secret_form(body)
            exchange = self.session.ctx.http.send(
                method, address, headers=dict(headers), body=body, cookies=cookies
            )
            self.secret(*cookie_values([exchange]))
            sent.append(exchange)
            return exchange

        return send

    def _shown(self, client: TestClient, sent: list[Exchange], outcome: str) -> None:
        """The login's every step into the check's evidence, its cookies kept out of it (a
        browser's requests come through ``record``, not ``send``)."""
        self.secret(*cookie_values(sent))
        trace = LoginTrace(driver_name(self.driver), outcome, tuple(sent), client.client_id)
        self.session.findings.login(trace)

    def code(self, client: TestClient, scope: str = "openid") -> Login:
        """A login that must yield a code; ``CannotJudge`` when it does not."""
        login = self.login(client, scope=scope)
        if login.code is None:
            reason = login.refusal or f"the redirect carried {sorted(login.values)}"
            error = login.values.get("error")
            raise CannotJudge(
                "The test citizen could not log in",
                f"an authorization request of {client.client_id} with PKCE S256 gave no code "
                f"({error or reason}); the check needs one. The login's steps: "
                f"{steps_of(login.steps)}",
                login.exchange,
            )
        return login

    def exchange_code(
        self,
        client: TestClient,
        login: Login,
        *,
        verifier: str | bool | None = True,
    ) -> Reply:
        """Exchange the login's code; ``verifier`` True sends its own, a string that one,
        None or False none at all."""
        assert login.code is not None
        fields = {
            "grant_type": "authorization_code",
            "code": login.code,
            "redirect_uri": login.redirect_uri,
            **self.authentication(client),
        }
        if verifier is True and login.verifier:
            fields["code_verifier"] = login.verifier
        elif isinstance(verifier, str):
            fields["code_verifier"] = verifier
        return self.post_form("token_endpoint", fields)

    def citizen_tokens(
        self, client: TestClient, scope: str = "openid"
    ) -> tuple[dict[str, Any], Login]:
        """Tokens for the test citizen through ``client``; ``CannotJudge`` when none come."""
        login = self.code(client, scope)
        reply = self.exchange_code(client, login)
        return self.require_tokens(reply, f"the citizen's tokens through {client.client_id}"), login

    def now(self) -> int:
        return int(time.time())
