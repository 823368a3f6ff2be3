"""The registries block under real uvicorn (a child process) with tokens from a loopback issuer.

Every test module gets its own register (fresh seed data), so a test's declarations cannot
change what another module's assertions see.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from registries_helpers import Registry
from support.issuer import fake_issuer
from support.services import running_blocks


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    tmp: Path = tmp_path_factory.mktemp("registries")
    with (
        fake_issuer() as issuer,
        running_blocks(tmp, ("registries",), identity_url=issuer.identity_url) as services,
    ):
        yield Registry(services.base_url("registries"), issuer, services)
