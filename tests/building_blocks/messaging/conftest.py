"""Fixtures for the messaging block: the real service under uvicorn on loopback, a token issuer
whose keys it trusts, and callback receivers that record the events it POSTs."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from messaging_support import Messaging, Receiver, receiver, start_messaging
from support.issuer import FakeIssuer, fake_issuer


@pytest.fixture(scope="module")
def issuer() -> Iterator[FakeIssuer]:
    with fake_issuer() as running:
        yield running


@pytest.fixture(scope="module")
def messaging(issuer: FakeIssuer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Messaging]:
    """One messaging service per test module (starting one costs about a second)."""
    tmp = tmp_path_factory.mktemp("messaging")
    process = start_messaging(tmp / "data", issuer, tmp / "messaging.log")
    try:
        with httpx.Client(timeout=10, trust_env=False) as client:
            yield Messaging(process, issuer, client)
    finally:
        process.stop()


@pytest.fixture
def callback() -> Iterator[Receiver]:
    with receiver() as running:
        yield running
