"""Set-up shared by the whole test suite."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# fixtures/ (mutants, test targets) is test material, not part of the wheel the suite runs
# against under tox: make it importable, appended so that the checkout never shadows the
# installed conformance and building_blocks packages.
_REPOSITORY = str(Path(__file__).resolve().parents[1])
if _REPOSITORY not in sys.path:
    sys.path.append(_REPOSITORY)

# A test that starts a process or a uvicorn server without @pytest.mark.slow fails.
pytest_plugins = ["support.service_starts"]


@pytest.fixture(autouse=True, scope="session")
def _signing_key_apart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """``certify`` keeps its signing key in the user's data directory and reuses it; the test
    suite, and the commands it starts, keep theirs in a folder of their own."""
    patch = pytest.MonkeyPatch()
    key = tmp_path_factory.mktemp("signing-key") / "signing-key.pem"
    patch.setenv("GDI_CONFORMANCE_SIGNING_KEY", str(key))
    yield
    patch.undo()
