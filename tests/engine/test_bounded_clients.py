"""The harness's own requests outside the run proper (the OAuth client's discovery and token
requests, the discovery request that maps an identity spec onto its provider, remote $refs)
are bounded as the run's are: an endless answer is cut at its cap, a trickled one at the
whole-answer deadline, a deeply nested one refused before it is parsed.

Each case runs in a child process with an address-space limit and a wall-clock deadline, so
that a regression fails the test instead of exhausting the machine or hanging the suite.
"""

from __future__ import annotations

import contextlib
import json
import resource
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.checkout import importable_fixtures
from support.hostile import environment, hostile_server

pytestmark = pytest.mark.slow

ADDRESS_SPACE_LIMIT = 2 * 1024**3
# The clients' own deadline (10 s for OAuth and remote specs) and room for a loaded machine.
CHILD_DEADLINE = 30.0
BYTE_EVERY = "0.2"  # each byte well within any per-read timeout; the whole answer takes 40 s
HOW = ["endless", "trickle", "deep"]
REASON = {
    "endless": "more than",
    "trickle": "no complete answer within",
    "deep": "nests deeper than 64 levels",
}


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))


def provider(at: str, how: str) -> contextlib.AbstractContextManager[str]:
    """The origin (the issuer) of a provider that misbehaves ``how`` at ``at``."""
    return _origin(hostile_server("provider", "--at", at, "--how", how, "--byte-every", BYTE_EVERY))


@contextlib.contextmanager
def _origin(server: contextlib.AbstractContextManager[str]) -> Iterator[str]:
    with server as base_url:
        yield base_url.removesuffix("/api/v1")


def in_child(code: str) -> tuple[float, str]:
    """Run ``code`` in a child; (seconds it took, what it printed). Fails when it overruns."""
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            capture_output=True,
            text=True,
            timeout=CHILD_DEADLINE,
            cwd=importable_fixtures(),
            env=environment(),
            preexec_fn=_limit_address_space,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {CHILD_DEADLINE:g}s")
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-3000:]
    return seconds, done.stdout


@pytest.mark.parametrize("how", HOW)
def test_a_hostile_discovery_document_is_refused_by_the_oauth_client(how: str) -> None:
    with provider("discovery", how) as url:
        _seconds, printed = in_child(
            f"""
            from conformance.client.oauth import OAuthClientError, discover
            try:
                discover({url!r})
            except OAuthClientError as exc:
                print("refused:", exc)
            """
        )
    assert "refused:" in printed and REASON[how] in printed, printed


@pytest.mark.parametrize("how", HOW)
def test_a_hostile_token_endpoint_is_refused_by_the_oauth_client(how: str) -> None:
    with provider("token", how) as url:
        _seconds, printed = in_child(
            f"""
            from cryptography.hazmat.primitives.asymmetric import ec
            from conformance.client.oauth import OAuthClientError, fetch_client_credentials
            key = ec.generate_private_key(ec.SECP256R1())
            try:
                fetch_client_credentials({url!r}, "some-client", key)
            except OAuthClientError as exc:
                print("refused:", exc)
            """
        )
    assert "refused:" in printed and REASON[how] in printed, printed


@pytest.mark.parametrize("how", HOW)
def test_mapping_an_identity_spec_reads_the_discovery_document_with_limits(how: str) -> None:
    """Before the run, the identity spec is mapped onto the provider's discovery document: a
    hostile one is ignored (nothing is moved) within the request timeout."""
    with provider("discovery", how) as url:
        seconds, printed = in_child(
            f"""
            from conformance.engine.behaviour.identity.endpoints import fetch_metadata
            print("found:", fetch_metadata({url!r}, None, timeout=2.0))
            """
        )
    assert "found: None" in printed, printed
    assert seconds < CHILD_DEADLINE


@pytest.mark.parametrize("how", HOW)
def test_a_remote_ref_is_read_with_limits(how: str, tmp_path: Path) -> None:
    with provider("discovery", how) as url:
        spec = tmp_path / "openapi.json"
        spec.write_text(
            json.dumps(
                {
                    "openapi": "3.0.3",
                    "info": {"title": "t", "version": "1.0.0"},
                    "paths": {},
                    "components": {
                        "schemas": {
                            "Remote": {"$ref": f"{url}/.well-known/openid-configuration#/x"}
                        }
                    },
                }
            ),
            encoding="utf-8",
        )
        _seconds, printed = in_child(
            f"""
            from conformance.spec.loader import SpecLoadError, load_spec
            try:
                load_spec({str(spec)!r}, allow_remote=True)
            except SpecLoadError as exc:
                print("refused:", exc)
            """
        )
    expected = "larger than" if how == "endless" else REASON[how]
    assert "refused:" in printed and expected in printed, printed
