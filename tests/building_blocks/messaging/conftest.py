"""Fixtures for the messaging block: the real service under uvicorn on loopback, a token issuer
whose keys it trusts, and callback receivers that record the events it POSTs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from messaging_support import Messaging, Receiver, receiver, running_messaging
from support.issuer import FakeIssuer, fake_issuer


@pytest.fixture(scope="module")
def issuer() -> Iterator[FakeIssuer]:
    with fake_issuer() as running:
        yield running


@pytest.fixture(scope="module")
def messaging(issuer: FakeIssuer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Messaging]:
    """One messaging service per test module (starting one costs about a second)."""
    with running_messaging(tmp_path_factory.mktemp("messaging"), issuer) as service:
        yield service


@pytest.fixture
def callback() -> Iterator[Receiver]:
    with receiver() as running:
        yield running
