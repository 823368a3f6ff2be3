"""One reference identity, registries and messaging block for the interop tests of a module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from interop_support import Trio, serve


@pytest.fixture(scope="module")
def trio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trio]:
    data = tmp_path_factory.mktemp("trio")
    with (
        serve("identity", data) as identity,
        serve("registries", data, identity_url=identity) as registries,
        serve("messaging", data, identity_url=identity) as messaging,
    ):
        yield Trio(identity, registries, messaging)
