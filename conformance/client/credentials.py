"""Who the run acts as: subjects and where their credentials come from.

A *subject* is a named identity ("primary", "secondary", ...). The primary subject's
credentials go on every request Schemathesis sends; checks that need a second identity (for
example object-level authorization) ask ``Subjects`` for the headers of another subject. A
subject's credentials come from one source:

- ``StaticHeaders``: fixed headers (``--header 'Authorization: Bearer ...'``);
- ``TokenCommand``: a command that prints a bearer token (``--token-command CMD``);
- ``IdentityClient``: a token fetched from an identity building block with private_key_jwt
  client credentials (``--identity URL --client ID --key KEYFILE``).

Tokens are cached until shortly before they expire. Every credential value a source hands
out is registered with the run's ``Redactor``, so it never appears in any output.
"""

from __future__ import annotations

import shlex
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from conformance.client.jose import unverified_claims
from conformance.results import Redactor, SubjectInfo

PRIMARY = "primary"
SECONDARY = "secondary"

# A token whose lifetime is unknown is fetched again after this many seconds.
DEFAULT_TOKEN_TTL = 300.0
# Refresh this long before a token expires, so no request goes out with a stale one.
EXPIRY_MARGIN = 30.0


class CredentialError(Exception):
    """Credentials could not be obtained; the message says which subject and why."""


class CredentialSource(Protocol):
    kind: str

    def headers(self) -> dict[str, str]: ...

    def describe(self) -> str: ...


@dataclass(slots=True)
class StaticHeaders:
    values: dict[str, str]
    kind: str = "static-headers"

    def headers(self) -> dict[str, str]:
        return dict(self.values)

    def describe(self) -> str:
        names = ", ".join(sorted(self.values))
        return f"{len(self.values)} fixed header(s): {names}"


def jwt_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT, without verifying it (only used to time a refresh)."""
    claims = unverified_claims(token)
    exp = claims.get("exp") if claims is not None else None
    return float(exp) if isinstance(exp, int | float) else None


@dataclass(slots=True)
class _CachedToken:
    """Fetches a bearer token through ``fetch`` and keeps it until shortly before it expires."""

    fetch: Callable[[], str]
    clock: Callable[[], float] = time.time
    _token: str | None = None
    _valid_until: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self) -> str:
        with self._lock:
            now = self.clock()
            if self._token is None or now >= self._valid_until:
                token = self.fetch().strip()
                if not token:
                    raise CredentialError("the token source returned an empty token")
                expiry = jwt_expiry(token)
                ttl = (expiry - now - EXPIRY_MARGIN) if expiry else DEFAULT_TOKEN_TTL
                self._token, self._valid_until = token, now + max(ttl, 1.0)
            return self._token


@dataclass(slots=True)
class TokenCommand:
    """A command whose standard output is a bearer token (run without a shell)."""

    command: str
    timeout: float = 30.0
    kind: str = "token-command"
    _cache: _CachedToken = field(init=False)

    def __post_init__(self) -> None:
        self._cache = _CachedToken(fetch=self._run)

    def _run(self) -> str:
        try:
            argv = shlex.split(self.command)
        except ValueError as exc:
            raise CredentialError(f"--token-command {self.command!r}: {exc}") from exc
        if not argv:
            raise CredentialError("--token-command is empty")
        try:
            done = subprocess.run(
                argv, capture_output=True, text=True, timeout=self.timeout, check=False
            )
        except FileNotFoundError as exc:
            raise CredentialError(f"--token-command: {argv[0]!r} not found") from exc
        except subprocess.TimeoutExpired as exc:
            raise CredentialError(f"--token-command took longer than {self.timeout:g}s") from exc
        if done.returncode != 0:
            # stderr may mention the token it failed to print; callers redact all messages.
            reason = done.stderr.strip().splitlines()[-1:] or ["no message"]
            raise CredentialError(f"--token-command exited with {done.returncode}: {reason[0]}")
        return done.stdout

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._cache.get()}"}

    def describe(self) -> str:
        program = self.command.split()[0] if self.command.split() else ""
        # The program's name only: a report never names a local path.
        return f"bearer token printed by {Path(program).name!r}"


@dataclass(slots=True)
class IdentityClient:
    """A client-credentials token from an identity building block (private_key_jwt)."""

    identity_url: str
    client_id: str
    key_path: Path
    scopes: tuple[str, ...] = ()
    kind: str = "identity-client"
    _cache: _CachedToken = field(init=False)

    def __post_init__(self) -> None:
        self._cache = _CachedToken(fetch=self._fetch)

    def _fetch(self) -> str:
        from conformance.client.oauth import client_credentials_token

        try:
            return client_credentials_token(
                self.identity_url, self.client_id, self.key_path, list(self.scopes)
            )
        except Exception as exc:
            raise CredentialError(
                f"--identity {self.identity_url}: no token for client {self.client_id!r}: {exc}"
            ) from exc

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._cache.get()}"}

    def describe(self) -> str:
        scopes = " ".join(self.scopes) or "default scopes"
        return f"client {self.client_id!r} at {self.identity_url} ({scopes})"


class Subjects(Mapping[str, CredentialSource]):
    """Named credential sources; every credential handed out is registered for redaction."""

    def __init__(
        self,
        sources: Mapping[str, CredentialSource] | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        self._sources = dict(sources or {})
        self.redactor = redactor or Redactor()

    def __getitem__(self, name: str) -> CredentialSource:
        return self._sources[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)

    def headers_for(self, name: str) -> dict[str, str]:
        """Current credential headers of subject ``name`` ({} for an unknown subject)."""
        source = self._sources.get(name)
        if source is None:
            return {}
        try:
            headers = source.headers()
        except CredentialError as exc:
            raise CredentialError(f"subject {name!r}: {self.redactor.text(str(exc))}") from exc
        for value in headers.values():
            self.redactor.add_secret(value)
            scheme, _, credential = value.partition(" ")
            if credential and scheme.lower() in ("bearer", "basic", "dpop"):
                self.redactor.add_secret(credential)
        return headers

    def describe(self) -> list[SubjectInfo]:
        if not self._sources:
            return [SubjectInfo(name=PRIMARY, kind="none", description="no credentials")]
        return [
            SubjectInfo(name=name, kind=source.kind, description=source.describe())
            for name, source in self._sources.items()
        ]
