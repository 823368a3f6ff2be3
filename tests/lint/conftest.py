"""Fixtures for the static checker's tests (helpers live in support.lint_helpers)."""

from __future__ import annotations

from typing import Any

import pytest
from support.lint_helpers import baseline


@pytest.fixture
def spec() -> dict[str, Any]:
    return baseline()
