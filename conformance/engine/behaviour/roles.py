"""Who a behaviour check acts as: roles, and where their credentials come from.

Behaviour needs more than one identity: an organisation that sends and one that does not take
part, two citizens who must not see each other's inbox, a client with only one of two scopes.
Each is a ``Role``. A role's credentials come from, in this order:

1. a run subject with the role's name (``Subjects``), when the run was given one;
2. the harness's own test clients at the identity block the run uses (the identity URL of an
   ``IdentityClient`` subject): organisations through client credentials with
   ``private_key_jwt``, citizens through the identity block's test login. The clients
   (``gemeente-utrecht``, ``harness-tweede-org``, ``burger-portaal``) and their TEST keys are
   part of the GDI test set-up (``fixtures/seed/identity``); any identity provider of a GDI
   test environment registers them.

The citizens the harness logs in are synthetic: their BSNs are derived from the run's seed,
so every run with a new seed starts with empty inboxes and the same seed repeats a run. A
check that needs a citizen the block under test holds (a GDI test person of the person
register) names that citizen's BSN in the role (``Role.bsn``).
Every credential handed out is registered with the run's redactor.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.client.credentials import (
    CredentialError,
    CredentialSource,
    IdentityClient,
    Subjects,
    jwt_expiry,
)
from conformance.client.identifiers import bsn_check_digit
from conformance.client.jose import unverified_claims
from conformance.client.login import LoginDriver, cookie_values, driver_name
from conformance.engine.checks.active import LoginTrace
from conformance.httplimits import Exchange
from conformance.paths import seed_root

CITIZEN_PORTAL = "burger-portaal"
EXPIRY_MARGIN = 30.0


class RoleUnavailable(Exception):
    """No credentials for a role; the message says which and how to provide them."""


@dataclass(frozen=True, slots=True)
class Role:
    name: str  # also the name of a run subject that provides it
    client: str  # the harness's test client that plays it
    scopes: tuple[str, ...]
    citizen: int | None = None  # which synthetic citizen (0, 1, ...) logs in through the client
    # A given citizen instead (a GDI test person the block under test holds), by BSN.
    bsn: str | None = None


def citizen_bsn(seed: int, index: int) -> str:
    """A synthetic citizen's BSN for this seed: valid (11-proef), different per index."""
    chooser = random.Random(f"gdi-conformance citizen {seed} {index}")
    while True:
        prefix = str(chooser.randrange(10_000_000, 100_000_000))
        digit = bsn_check_digit(prefix)
        if digit is not None:
            return prefix + str(digit)


@dataclass(slots=True)
class CitizenLogin:
    """A citizen's access token through the identity block's test login (code flow + PKCE)."""

    identity_url: str
    client_id: str
    key_path: Path
    bsn: str
    scopes: tuple[str, ...]
    kind: str = "citizen-test-login"
    driver: LoginDriver | None = None  # None: the test login (the BSN in login_hint)
    fields: Mapping[str, str] = field(default_factory=dict)  # the citizen's login fields
    # Told of every login through ``driver`` (its requests, how it ended): the check's evidence
    on_login: Callable[[LoginTrace], None] | None = None
    _token: str | None = None
    _expires: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def headers(self) -> dict[str, str]:
        import time

        from conformance.client.oauth_code import citizen_token

        with self._lock:
            if self._token is None or time.time() >= self._expires:
                try:
                    token = citizen_token(
                        self.identity_url,
                        self.client_id,
                        self.key_path,
                        bsn=self.bsn,
                        scopes=("openid", *self.scopes),
                        driver=self.driver,
                        fields=self.fields,
                        observe=self._observe if self.on_login is not None else None,
                    )
                except Exception as exc:
                    raise CredentialError(
                        f"--identity {self.identity_url}: no citizen token through "
                        f"{self.client_id!r}: {exc}"
                    ) from exc
                expiry = jwt_expiry(token)
                self._token = token
                self._expires = (expiry - EXPIRY_MARGIN) if expiry else time.time() + 300
            return {"Authorization": f"Bearer {self._token}"}

    def _observe(self, steps: list[Exchange], outcome: str) -> None:
        assert self.on_login is not None and self.driver is not None
        self.on_login(LoginTrace(driver_name(self.driver), outcome, tuple(steps), self.client_id))

    def describe(self) -> str:
        return f"a synthetic citizen logged in through {self.client_id!r} at {self.identity_url}"


def identity_url_of(subjects: Subjects) -> str | None:
    """The identity block the run takes tokens from, if it takes them from one."""
    for name in subjects:
        source = subjects[name]
        if isinstance(source, IdentityClient):
            return source.identity_url
    return None


class Roles:
    """Credentials per role for one check (see the module docstring)."""

    def __init__(
        self,
        subjects: Subjects,
        seed: int,
        keys_dir: Path | None = None,
        *,
        driver: LoginDriver | None = None,
        citizens: Sequence[tuple[str, Mapping[str, str]]] = (),
        on_login: Callable[[LoginTrace], None] | None = None,
    ) -> None:
        self.subjects = subjects
        self.seed = seed
        self.keys_dir = keys_dir or seed_root() / "identity" / "keys"
        self.driver = driver  # how citizens log in; None: the test login
        self.citizens = list(citizens)  # the vendor's test citizens (BSN, login fields), if any
        self.on_login = on_login  # told of every citizen's login, with its requests
        self._sources: dict[str, CredentialSource] = {}

    def _source(self, role: Role) -> CredentialSource:
        if role.name in self._sources:
            return self._sources[role.name]
        identity_url = identity_url_of(self.subjects)
        if identity_url is None:
            raise RoleUnavailable(
                f"this check acts as {role.name!r} ({role.client} with {' '.join(role.scopes)}): "
                f"give the run a subject named {role.name!r}, or take tokens from an identity "
                "block (--identity URL --client ID --key KEYFILE) so that the harness can use "
                "its own test clients there"
            )
        key_path = self.keys_dir / f"{role.client}.key.pem"
        source: CredentialSource
        if role.bsn is not None or role.citizen is not None:
            bsn, fields = role.bsn or citizen_bsn(self.seed, role.citizen or 0), {}
            if role.bsn is None and role.citizen is not None and role.citizen < len(self.citizens):
                bsn, fields = self.citizens[role.citizen][0], dict(self.citizens[role.citizen][1])
            source = CitizenLogin(
                identity_url, role.client, key_path, bsn, role.scopes, driver=self.driver,
                fields=fields, on_login=self._login_seen,
            )  # fmt: skip
        else:
            source = IdentityClient(identity_url, role.client, key_path, role.scopes)
        self._sources[role.name] = source
        return source

    def _login_seen(self, trace: LoginTrace) -> None:
        """A citizen's login: its cookies and codes kept out of reports, then shown."""
        for value in cookie_values(trace.steps):
            self.subjects.redactor.add_secret(value)
        if self.on_login is not None:
            self.on_login(trace)

    def headers(self, role: Role) -> dict[str, str]:
        try:
            if role.name in self.subjects:
                return self.subjects.headers_for(role.name)
            source = self._source(role)
            return Subjects({role.name: source}, redactor=self.subjects.redactor).headers_for(
                role.name
            )
        except CredentialError as exc:
            raise RoleUnavailable(f"role {role.name!r}: {exc}") from exc

    def claims(self, role: Role) -> dict[str, Any]:
        """The claims of the role's current access token (empty when it is not a JWT)."""
        value = self.headers(role).get("Authorization", "")
        scheme, _, token = value.partition(" ")
        return (unverified_claims(token) or {}) if scheme.lower() == "bearer" else {}

    def claim(self, role: Role, name: str) -> str:
        value = self.claims(role).get(name)
        if not isinstance(value, str) or not value:
            raise RoleUnavailable(
                f"role {role.name!r}: its access token has no {name!r} claim, which the check "
                "needs to know whom the role is"
            )
        return value
