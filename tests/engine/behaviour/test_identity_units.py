"""Pieces of the identity checks that need no provider: jti entropy, tampering with a JWS
signature, and the redirect test of redirect-uri-exact."""

from __future__ import annotations

import base64
import secrets
import uuid

from hypothesis import given
from hypothesis import strategies as st

from conformance.engine.behaviour.identity.client_auth import tamper_signature
from conformance.engine.behaviour.identity.endpoints import endpoint_paths
from conformance.engine.behaviour.identity.grants import _sent_to
from conformance.engine.behaviour.identity.tokens import JTI_MIN_BITS, jti_bits
from conformance.engine.fuzzing.collector import Tally
from conformance.results import Evidence


def test_random_jtis_carry_enough_bits() -> None:
    assert jti_bits([secrets.token_urlsafe(24) for _ in range(6)]) >= JTI_MIN_BITS
    assert jti_bits([secrets.token_hex(16) for _ in range(6)]) >= JTI_MIN_BITS


def test_uuids_counters_and_timestamps_do_not() -> None:
    assert jti_bits([str(uuid.uuid4()) for _ in range(6)]) < JTI_MIN_BITS  # 122 random bits
    assert jti_bits([f"token-{number:08d}" for number in range(6)]) < 10
    prefix = "20251129T031200-"
    assert jti_bits([prefix + secrets.token_hex(4) for _ in range(6)]) < JTI_MIN_BITS


def _decoded(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@given(
    signature=st.binary(min_size=1, max_size=512),
    position=st.integers(min_value=0, max_value=10_000),
)
def test_a_tampered_signature_always_decodes_to_other_bytes(
    signature: bytes, position: int
) -> None:
    encoded = base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    if len(encoded) < 2:
        return
    tampered = tamper_signature(f"head.payload.{encoded}", position)
    head, payload, changed = tampered.split(".")
    assert (head, payload) == ("head", "payload")
    assert _decoded(changed) != signature


def test_a_redirect_counts_as_sent_to_a_uri_only_when_it_starts_with_it() -> None:
    target = "https://portal.example/callback/extra"
    assert _sent_to(target + "?code=1", target)
    assert not _sent_to("https://portal.example/callback?error=x", target)
    assert not _sent_to("https://portal.example/callback/extra-more?code=1", target)


# --- spec operations onto the provider's discovered endpoints -----------------------------

SPEC_PATHS = {
    "/openapi.json": {"get": {"operationId": "getOpenapi"}},
    "/oidc/.well-known/openid-configuration": {"get": {"operationId": "getOpenidConfiguration"}},
    "/oidc/jwks": {"get": {"operationId": "getJwks"}},
    "/oidc/token": {"post": {"operationId": "token"}},
    "/oidc/userinfo": {"get": {"operationId": "getUserinfo"}},
}


def test_a_provider_at_the_server_root_gets_its_own_paths() -> None:
    issuer = "http://127.0.0.1:4000"
    metadata = {
        "jwks_uri": issuer + "/jwks",
        "token_endpoint": issuer + "/token",
        "userinfo_endpoint": issuer + "/me",
    }
    moves = endpoint_paths({"paths": SPEC_PATHS}, issuer, issuer, metadata)
    assert moves == {
        "/oidc/.well-known/openid-configuration": "/.well-known/openid-configuration",
        "/oidc/jwks": "/jwks",
        "/oidc/token": "/token",
        "/oidc/userinfo": "/me",
    }


def test_a_realm_below_the_base_url_and_endpoints_elsewhere() -> None:
    issuer = "https://kc.example/realms/gdi"
    metadata = {
        "token_endpoint": issuer + "/protocol/openid-connect/token",
        "userinfo_endpoint": "https://other.example/userinfo",  # not under the base: not moved
    }
    moves = endpoint_paths({"paths": SPEC_PATHS}, issuer, issuer, metadata)
    assert moves["/oidc/token"] == "/protocol/openid-connect/token"
    assert "/oidc/userinfo" not in moves


def test_the_gdi_block_layout_maps_onto_itself() -> None:
    base = "http://127.0.0.1:5000/identity/v1"
    issuer = base + "/oidc"
    metadata = {"token_endpoint": issuer + "/token", "jwks_uri": issuer + "/jwks"}
    assert endpoint_paths({"paths": SPEC_PATHS}, base, issuer, metadata) == {}


# --- one finding per client -----------------------------------------------------------------


def test_two_clients_failures_under_one_title_stay_apart() -> None:
    """A probe's message names the client: two clients are two findings, the same one twice
    is one finding that occurred twice."""
    tally = Tally()
    title = "A client used a grant it is not registered for"
    for client in ("burger-portaal", "gemeente-utrecht", "burger-portaal"):
        tally.add_failure(Evidence("bb:identity:single-grant-type", title, f"{client}: refused",
                                   phase="probes"))  # fmt: skip
    assert [(item.message, item.occurrences) for item in tally.evidence] == [
        ("burger-portaal: refused", 2),
        ("gemeente-utrecht: refused", 1),
    ]


def test_generated_cases_still_fold_by_title() -> None:
    tally = Tally()
    for number in range(3):
        tally.add_failure(Evidence("api:status_code_conformance", "Undocumented status code",
                                   f"case {number}", phase="fuzzing"))  # fmt: skip
    assert [item.occurrences for item in tally.evidence] == [3]
