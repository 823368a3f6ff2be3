"""Extra identities the security checks act as, beyond the run's primary subject.

- A *second subject* for object-level authorization (sec:bola): the run's ``secondary``
  subject when it has one; otherwise, when the primary's tokens come from an identity block
  (``IdentityClient``), another of the harness's organisation test clients at that block
  (``harness-tweede-org``, or ``gemeente-utrecht`` when the primary is that one), with the
  primary's scopes. Their TEST keys ship with the harness (``fixtures/seed/identity/keys``).
- A genuine token *for another audience* (sec:wrong-audience): the run's ``other-audience``
  subject when it has one; otherwise, for an ``IdentityClient`` primary, a token of the same
  client for a scope the identity block advertises whose token names none of the primary
  token's audiences.

Every credential obtained here is registered with the run's redactor.
"""

from __future__ import annotations

from pathlib import Path

from conformance.client.credentials import (
    PRIMARY,
    SECONDARY,
    CredentialError,
    IdentityClient,
    Subjects,
)
from conformance.client.jose import bearer_token, unverified_parts
from conformance.paths import seed_root

OTHER_AUDIENCE = "other-audience"
HARNESS_ORGANISATIONS = ("harness-tweede-org", "gemeente-utrecht")
# Scopes that name no resource server (OpenID Connect's own).
NON_RESOURCE_SCOPES = frozenset(
    {"openid", "profile", "email", "address", "phone", "offline_access"}
)
MAX_SCOPE_TRIES = 8


class NoSubject(Exception):
    """The identity a check needs is not available; the message says how to provide it."""


def _keys_dir() -> Path:
    return seed_root() / "identity" / "keys"


def second_subject(subjects: Subjects) -> tuple[str, dict[str, str]]:
    """(description, credential headers) of a subject other than the primary one."""
    if SECONDARY in subjects:
        try:
            return SECONDARY, subjects.headers_for(SECONDARY)
        except CredentialError as exc:
            raise NoSubject(str(exc)) from exc
    primary = subjects.get(PRIMARY)
    if not isinstance(primary, IdentityClient):
        raise NoSubject(
            "a second subject is needed to show that one subject cannot reach another's "
            "resources: give the run one (--secondary-header, --secondary-token-command or "
            "--secondary-client/--secondary-key)"
        )
    client = next(name for name in HARNESS_ORGANISATIONS if name != primary.client_id)
    source = IdentityClient(
        primary.identity_url, client, _keys_dir() / f"{client}.key.pem", primary.scopes
    )
    try:
        headers = Subjects({client: source}, redactor=subjects.redactor).headers_for(client)
    except CredentialError as exc:
        raise NoSubject(f"the harness's test client {client!r}: {exc}") from exc
    return f"{SECONDARY} (test client {client})", headers


def _audiences(token: str | None) -> set[str]:
    parsed = unverified_parts(token) if token else None
    if parsed is None:
        return set()
    aud = parsed[1].get("aud")
    if isinstance(aud, str):
        return {aud}
    return {item for item in aud if isinstance(item, str)} if isinstance(aud, list) else set()


def other_audience_token(subjects: Subjects) -> tuple[str, str] | None:
    """(description, token) of a genuine token for another audience, or None if none is at hand."""
    if OTHER_AUDIENCE in subjects:
        token = bearer_token(subjects.headers_for(OTHER_AUDIENCE))
        return (f"of the {OTHER_AUDIENCE!r} subject", token) if token else None
    primary = subjects.get(PRIMARY)
    if not isinstance(primary, IdentityClient):
        return None
    own = _audiences(bearer_token(subjects.headers_for(PRIMARY)))
    if not own:
        return None
    from conformance.client.oauth import (
        OAuthClientError,
        discover,
        fetch_client_credentials,
    )

    try:
        supported = discover(primary.identity_url).raw.get("scopes_supported") or []
    except OAuthClientError:
        return None
    candidates = [
        scope
        for scope in supported
        if isinstance(scope, str)
        and scope not in primary.scopes
        and scope not in NON_RESOURCE_SCOPES
    ]
    for scope in candidates[:MAX_SCOPE_TRIES]:
        try:
            answer = fetch_client_credentials(
                primary.identity_url, primary.client_id, primary.key_path, [scope]
            )
        except OAuthClientError:
            continue  # the client may not ask for this scope; try the next
        subjects.redactor.add_secret(answer.access_token)
        audiences = _audiences(answer.access_token)
        if audiences and not audiences & own:
            return f"issued for scope {scope!r} (aud {sorted(audiences)})", (answer.access_token)
    return None
