"""Client authentication with ``private_key_jwt`` (RFC 7523 section 2.2, OIDC Core 9).

A client proves who it is with a JWT it signed with its registered private key: ``iss`` and
``sub`` are its client id, ``aud`` names this server (its token endpoint or its issuer), ``exp``
lies in the near future and ``jti`` is never accepted twice. Shared secrets are refused
outright: the NL GOV profile forbids them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from building_blocks.identity.clients import Client, ClientRegistry
from building_blocks.identity.oauth import invalid_client
from building_blocks.identity.store import IdentityStore

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGORITHMS = ("RS256", "PS256", "ES256")
LEEWAY_SECONDS = 10
MAX_LIFETIME_SECONDS = 600  # bounds how long a jti must be remembered


@dataclass(frozen=True, slots=True)
class AssertionPolicy:
    audiences: frozenset[str]  # the token endpoint URL and the issuer


def authenticate_client(
    form: Mapping[str, str],
    headers: Mapping[str, str],
    *,
    registry: ClientRegistry,
    store: IdentityStore,
    policy: AssertionPolicy,
    now: int,
) -> Client:
    """The authenticated client, or ``OAuthError(invalid_client)`` (HTTP 401)."""
    authorization = headers.get("authorization", "")
    if authorization[:6].lower() == "basic " or "client_secret" in form:
        raise invalid_client("Shared client secrets are not accepted; use private_key_jwt.")
    assertion = form.get("client_assertion")
    if assertion is None:
        raise invalid_client("Client authentication with private_key_jwt is required.")
    if form.get("client_assertion_type") != JWT_BEARER:
        raise invalid_client(f"client_assertion_type must be {JWT_BEARER}.")
    try:
        header = jwt.get_unverified_header(assertion)
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise invalid_client("The client assertion is not a well-formed JWT.") from exc
    if header.get("alg") not in ASSERTION_ALGORITHMS:
        raise invalid_client("The client assertion must be signed with RS256, PS256 or ES256.")
    client_id = unverified.get("iss")
    client = registry.get(client_id) if isinstance(client_id, str) else None
    if client is None:
        raise invalid_client("The client assertion's issuer is not a registered client.")
    if form.get("client_id", client.client_id) != client.client_id:
        raise invalid_client("client_id does not match the client assertion's issuer.")
    claims = _verified_claims(assertion, client, header["alg"], now)
    if claims.get("sub") != client.client_id:
        raise invalid_client("The client assertion's sub must equal its iss (the client id).")
    if not _audience_ok(claims.get("aud"), policy.audiences):
        raise invalid_client("The client assertion's aud must be the token endpoint or issuer.")
    exp = claims["exp"]
    if not isinstance(exp, int) or exp > now + MAX_LIFETIME_SECONDS:
        raise invalid_client(
            f"The client assertion must expire within {MAX_LIFETIME_SECONDS} seconds."
        )
    jti = claims.get("jti")
    if not isinstance(jti, str) or not 1 <= len(jti) <= 255:
        raise invalid_client("The client assertion needs a jti.")
    if not store.remember_assertion(client.client_id, jti, exp, now):
        raise invalid_client("This client assertion was used before (replayed jti).")
    return client


def _verified_claims(assertion: str, client: Client, alg: str, now: int) -> dict[str, Any]:
    last_error: jwt.PyJWTError | None = None
    for key in client.public_keys:
        try:
            claims: dict[str, Any] = jwt.decode(
                assertion,
                key,
                algorithms=[alg],
                options={"require": ["iss", "sub", "aud", "exp", "jti"], "verify_aud": False},
                leeway=LEEWAY_SECONDS,
            )
        except jwt.InvalidSignatureError as exc:
            last_error = exc
            continue
        except jwt.ExpiredSignatureError as exc:
            raise invalid_client("The client assertion has expired.") from exc
        except jwt.ImmatureSignatureError as exc:
            raise invalid_client("The client assertion is not valid yet (iat or nbf).") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise invalid_client(f"The client assertion lacks the {exc.claim} claim.") from exc
        except jwt.PyJWTError as exc:
            # e.g. a key of the wrong type for the algorithm, or an iat/nbf in the future
            last_error = exc
            continue
        return claims
    raise invalid_client(
        "The client assertion is not signed by a key registered for this client."
    ) from last_error


def _audience_ok(aud: object, accepted: frozenset[str]) -> bool:
    if isinstance(aud, str):
        return aud in accepted
    if isinstance(aud, list):
        return (
            bool(aud)
            and all(isinstance(item, str) for item in aud)
            and bool(accepted.intersection(aud))
        )
    return False
