"""The three building blocks as a life-event scenario uses them, by their specs alone.

``Wire`` sends every request through the engine's ``HttpClient`` (timeouts, no redirects, a
size cap) and keeps every exchange, labelled with the block it went to, for evidence and
coverage. ``IdentityBlock`` here and ``RegistriesBlock`` and ``MessagingBlock`` (in
``resource_blocks``) are thin clients of the catalogue specs: nothing here knows how any
implementation works inside.

A refusal with 401 or 403 by a resource server is judged before it is blamed: the harness
checks the access token against the identity profile itself (signature against the JWKS,
issuer, expiry, audience, scope, and the claim the resource server needs to know the caller);
an opaque token is judged by what introspection (RFC 7662) tells the client it was issued to.
A token that breaks the profile blames identity; a good token that was refused blames the
resource server.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
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
    cookie_values,
    driver_name,
)
from conformance.client.oauth import CREDENTIAL_FIELDS, client_assertion, load_private_key, s256
from conformance.client.reply import Reply
from conformance.engine.checks.active import LoginTrace
from conformance.httplimits import Exchange, HttpClient
from conformance.interop.steps import IDENTITY, CannotRun, StepFailed
from conformance.results import Redactor

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
FORM = "application/x-www-form-urlencoded"
WELL_KNOWN = "/.well-known/openid-configuration"
DISCOVERY_PATH = "/oidc" + WELL_KNOWN  # where a GDI identity block's base URL has it
SIGNING_ALGORITHMS = ("RS256", "PS256")
MESSAGING_RESOURCE = "urn:nld:gdi:messaging"
REGISTRIES_RESOURCE = "urn:nld:gdi:registries"
CLOCK_SKEW = 60


@dataclass(slots=True)
class Wire:
    http: HttpClient
    redactor: Redactor
    exchanges: list[tuple[str, Exchange]] = field(default_factory=list)
    last: Exchange | None = None
    # Every citizen's login, with the check id of the step it was made in
    logins: list[tuple[str | None, LoginTrace]] = field(default_factory=list)
    step: str | None = None  # the check id of the step being played

    def playing(self, step: str | None) -> None:
        self.step = step

    def login(self, started: int, outcome: str, driver: str, client: str) -> None:
        """Keep the login whose requests are those since ``started`` as evidence."""
        steps = tuple(exchange for _, exchange in self.exchanges[started:])
        self.logins.append((self.step, LoginTrace(driver, outcome, steps, client)))

    def send(
        self,
        block: str,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        form: Mapping[str, str] | None = None,
        actor: str | None = None,
    ) -> Reply:
        sent = {"Accept": "application/json, application/problem+json", **(headers or {})}
        content: bytes | None = None
        if form is not None:
            for name, value in form.items():
                if name in CREDENTIAL_FIELDS:
                    self.redactor.add_secret(value)
            content = urlencode(form).encode()
            sent["Content-Type"] = FORM
        elif body is not None:
            content = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        exchange = self.http.send(method, url, headers=sent, body=content)
        self.exchanges.append((block, exchange))
        self.last = exchange
        if exchange.response is None:
            raise StepFailed(
                f"{block} did not answer {method} {url}: {exchange.error}",
                exchange=exchange,
                blame=block,
                actor=actor,
            )
        return Reply(exchange, actor)

    def recorded(self, exchange: Exchange) -> None:
        """A request a browser sent for the login driver: kept, its cookies out of reports."""
        for value in cookie_values([exchange]):
            self.redactor.add_secret(value)
        self.exchanges.append((IDENTITY, exchange))

    def get(self, block: str, url: str) -> Exchange:
        """A GET for a login driver: recorded, never raising."""
        return self.request(block, "GET", url, {"Accept": "*/*"}, None)

    def request(
        self,
        block: str,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        cookies: httpx.Cookies | None = None,
    ) -> Exchange:
        """Any request of a login driver (a form POST with its cookies): recorded, never
        raising; what a citizen types into a password field is kept out of every report."""
        if body:
            for name, value in parse_qsl(body.decode("utf-8", "replace")):
                if "pass" in name.lower():
                    self.redactor.add_secret(value)
        exchange = self.http.send(method, url, headers=dict(headers), body=body, cookies=cookies)
        for value in cookie_values([exchange]):  # a session cookie is a credential
            self.redactor.add_secret(value)
        self.exchanges.append((block, exchange))
        self.last = exchange
        return exchange


def failure(reply: Reply, block: str, what: str, expected: str) -> StepFailed:
    return StepFailed(
        f"{what}: {reply.describe()}, expected {expected}",
        exchange=reply.exchange,
        blame=block,
        actor=reply.role,
    )


def claims_of(token: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}
    return claims


class IdentityBlock:
    def __init__(
        self,
        wire: Wire,
        base_url: str,
        clients: TestClients,
        driver: LoginDriver,
        citizen_fields: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.wire = wire
        self.base_url = base_url.rstrip("/")
        self.clients = clients
        self.driver = driver
        # BSN -> the citizen's login fields from the vendor file ({login}, {password}, ...)
        self.citizen_fields = dict(citizen_fields or {})
        self._metadata: dict[str, Any] | None = None
        self._jwks: dict[str, Any] | None = None
        self._issued: dict[str, TestClient] = {}  # access token -> the client it was issued to

    @property
    def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            # The base URL is the issuer; a GDI identity block's base URL has it at /oidc.
            reply = self.wire.send(IDENTITY, "GET", self.base_url + WELL_KNOWN)
            if reply.status == 404:
                reply = self.wire.send(IDENTITY, "GET", self.base_url + DISCOVERY_PATH)
            document = reply.json()
            if reply.status != 200 or not isinstance(document, dict):
                raise failure(reply, IDENTITY, "the provider metadata", "200 with a JSON object")
            self._metadata = document
        return self._metadata

    def endpoint(self, name: str) -> str:
        value = self.metadata.get(name)
        if not isinstance(value, str) or not urlsplit(value).netloc:
            raise StepFailed(
                f"the identity provider's metadata has no usable {name}", blame=IDENTITY
            )
        return value

    @property
    def issuer(self) -> str:
        return str(self.metadata.get("issuer") or "")

    def _assertion(self, client: TestClient) -> str:
        try:
            key = load_private_key(client.key_path)
        except Exception as exc:
            raise CannotRun(f"the harness's key of {client.client_id}: {exc}") from exc
        value = client_assertion(client.client_id, key, self.endpoint("token_endpoint"))
        self.wire.redactor.add_secret(value)
        return value

    def _token(self, client: TestClient, form: dict[str, str], actor: str, what: str) -> str:
        form.update(client_assertion_type=JWT_BEARER, client_assertion=self._assertion(client))
        reply = self.wire.send(
            IDENTITY,
            "POST",
            self.endpoint("token_endpoint"),
            form=form,
            headers={"Accept": "application/json"},
            actor=actor,
        )
        token = reply.member("access_token")
        if reply.status != 200 or not isinstance(token, str):
            raise failure(reply, IDENTITY, what, "200 with an access_token")
        self.wire.redactor.add_secret(token)
        self._issued[token] = client
        return token

    def organisation_token(self, scopes: list[str], actor: str) -> str:
        client = self.clients.organisation
        form = {"grant_type": "client_credentials", "scope": " ".join(scopes)}
        return self._token(client, form, actor, f"{client.client_id}'s client_credentials token")

    def citizen_token(self, bsn: str, scopes: list[str], actor: str) -> str:
        """The authorization code flow with PKCE S256 through the login driver."""
        client = self.clients.portal
        redirect_uri = client.redirect_uri or ""
        url, state, verifier = self._authorization_request(client, redirect_uri, scopes)
        request = LoginRequest(
            url,
            redirect_uri,
            bsn,
            lambda to: self.wire.get(IDENTITY, to),
            lambda method, to, headers, body, cookies=None: self.wire.request(
                IDENTITY, method, to, headers, body, cookies
            ),
            self.citizen_fields.get(bsn, {}),
            self.wire.recorded,
        )
        location, started = self._login(request, client, actor)
        values = dict(parse_qsl(urlsplit(location).query))
        outcome = "redirected back to the client" + (" with a code" if "code" in values else "")
        self.wire.login(started, outcome, driver_name(self.driver), client.client_id)
        if "code" not in values or values.get("state") != state:
            problem = values.get("error") or "no code with the request's state"
            raise StepFailed(
                f"the login of {actor} through {client.client_id} redirected without a code "
                f"({problem})",
                exchange=self.wire.last,
                blame=IDENTITY,
                actor=actor,
            )
        self.wire.redactor.add_secret(values["code"])
        form = {
            "grant_type": "authorization_code",
            "code": values["code"],
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        return self._token(client, form, actor, f"the code exchange for {actor}")

    def _authorization_request(
        self, client: TestClient, redirect_uri: str, scopes: list[str]
    ) -> tuple[str, str, str]:
        """The authorization URL (PKCE S256), its state and its code verifier."""
        verifier = secrets.token_urlsafe(48)
        state = secrets.token_urlsafe(16)
        query = {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(["openid", *scopes]),
            "state": state,
            "nonce": secrets.token_urlsafe(16),
            "code_challenge": s256(verifier),
            "code_challenge_method": "S256",
        }
        url = self.endpoint("authorization_endpoint")
        return url + ("&" if "?" in url else "?") + urlencode(query), state, verifier

    def _login(self, request: LoginRequest, client: TestClient, actor: str) -> tuple[str, int]:
        """The login driver's redirect back to the client and where its exchanges start on the
        wire; a failed login is told to the wire and raised."""
        started = len(self.wire.exchanges)
        name = driver_name(self.driver)
        try:
            location = self.driver(request)
        except NoRedirect as exc:
            self.wire.login(
                started, f"no redirect back to the client: {exc}", name, client.client_id
            )
            raise StepFailed(
                f"the login of {actor} through {client.client_id} ended without a redirect "
                f"back to the client: {exc}",
                exchange=exc.exchange or self.wire.last,
                blame=IDENTITY,
                actor=actor,
            ) from exc
        except Exception as exc:
            failed = f"the login driver failed: {type(exc).__name__}: {exc}"
            self.wire.login(started, failed, name, client.client_id)
            raise CannotRun(failed) from exc
        return location, started

    @property
    def jwks(self) -> dict[str, Any]:
        if self._jwks is None:
            reply = self.wire.send(IDENTITY, "GET", self.endpoint("jwks_uri"))
            document = reply.json()
            self._jwks = document if reply.status == 200 and isinstance(document, dict) else {}
        return self._jwks

    def token_problems(
        self, token: str, *, audience: str, scope: str, claim: tuple[str, str] | None = None
    ) -> list[str]:
        """What makes ``token`` unfit for the resource ``audience`` under the identity profile."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return self._opaque_token_problems(token, audience=audience, scope=scope, claim=claim)
        algorithm = header.get("alg")
        if algorithm not in SIGNING_ALGORITHMS:
            return [f"it is signed with {algorithm!r}, not RS256 or PS256"]
        keys = [key for key in self.jwks.get("keys") or () if isinstance(key, dict)]
        keys = [key for key in keys if key.get("kid") == header.get("kid")] or keys
        claims: dict[str, Any] | None = None
        for key in keys:
            try:
                claims = jwt.decode(
                    token,
                    jwt.PyJWK(key, algorithm).key,
                    algorithms=[algorithm],
                    options={"verify_aud": False, "verify_exp": False, "verify_iat": False},
                )
                break
            except (jwt.PyJWTError, ValueError, TypeError):
                continue
        if claims is None:
            return ["its signature does not verify against the identity provider's JWKS"]
        return self._claim_problems(claims, audience=audience, scope=scope, claim=claim)

    def _opaque_token_problems(
        self, token: str, *, audience: str, scope: str, claim: tuple[str, str] | None
    ) -> list[str]:
        """An opaque token, judged by what introspection (RFC 7662) says of it to the client it
        was issued to."""
        client = self._issued.get(token)
        endpoint = self.metadata.get("introspection_endpoint")
        if client is None or not isinstance(endpoint, str):
            return ["it is not a JWT, and the identity provider cannot be asked about it"]
        form = {
            "token": token,
            "client_id": client.client_id,
            "client_assertion_type": JWT_BEARER,
            "client_assertion": self._assertion(client),
        }
        try:
            reply = self.wire.send(IDENTITY, "POST", endpoint, form=form)
        except StepFailed:
            return ["its introspection did not answer"]
        answer = reply.json()
        if reply.status != 200 or not isinstance(answer, dict):
            return [f"its introspection answered {reply.status}"]
        if answer.get("active") is not True:
            return ["its introspection says it is not active"]
        # iss is optional in an introspection answer (RFC 7662 section 2.2).
        claims = {"iss": self.issuer, **answer}
        return self._claim_problems(claims, audience=audience, scope=scope, claim=claim)

    def _claim_problems(
        self,
        claims: Mapping[str, Any],
        *,
        audience: str,
        scope: str,
        claim: tuple[str, str] | None,
    ) -> list[str]:
        problems = []
        if claims.get("iss") != self.issuer:
            problems.append(f"iss is {claims.get('iss')!r}, not {self.issuer!r}")
        exp = claims.get("exp")
        if not isinstance(exp, int) or exp < time.time() - CLOCK_SKEW:
            problems.append("it has expired")
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if audience not in audiences:
            problems.append(f"aud {aud!r} does not name {audience}")
        if scope not in str(claims.get("scope", "")).split():
            problems.append(f"scope {claims.get('scope')!r} lacks {scope}")
        if claim is not None and claims.get(claim[0]) != claim[1]:
            problems.append(f"its {claim[0]} claim is {claims.get(claim[0])!r}, not {claim[1]!r}")
        return problems
