"""One identity block (real uvicorn on loopback, test login enabled) shared by these tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from identity_support import Identity
from support.services import RunningBlocks, running_blocks


@pytest.fixture(scope="package")
def identity_blocks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBlocks]:
    with running_blocks(tmp_path_factory.mktemp("identity"), ("identity",)) as blocks:
        yield blocks


@pytest.fixture(scope="package")
def identity(identity_blocks: RunningBlocks) -> Iterator[Identity]:
    with httpx.Client(timeout=10, follow_redirects=False) as http:
        yield Identity(identity_blocks.base_url("identity"), http)
