"""Fixtures of the behaviour-check tests: one identity block for the whole session, and one
reference block per test module (starting a block costs about a second)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.services import running_blocks


@pytest.fixture(scope="session")
def identity_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_blocks(tmp_path_factory.mktemp("bb-identity"), ("identity",)) as blocks:
        assert blocks.identity_url is not None
        yield blocks.identity_url


@pytest.fixture(autouse=True)
def quick_notifications(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reference block retries after about a second: shorter waits show the same."""
    monkeypatch.setenv("GDI_CONFORMANCE_DELIVERY_TIMEOUT", "5")
    monkeypatch.setenv("GDI_CONFORMANCE_QUIET_PERIOD", "2")
