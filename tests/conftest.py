"""Set-up shared by the whole test suite."""

from __future__ import annotations

import sys
from pathlib import Path

# fixtures/ (mutants, test targets) is test material, not part of the wheel the suite runs
# against under tox: make it importable, appended so that the checkout never shadows the
# installed conformance and building_blocks packages.
_REPOSITORY = str(Path(__file__).resolve().parents[1])
if _REPOSITORY not in sys.path:
    sys.path.append(_REPOSITORY)
