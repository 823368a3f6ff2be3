"""The seed policy: one place decides a run's seed when none is given.

No seed means a random one, drawn here, and recorded in the report (``RunReport.seed``) so that
the run can be repeated with ``--seed``. Every entry point (run, certify, the pytest plugin,
interop) and every check that derives its own random choices from the run's seed goes through
``resolve_seed``; nothing falls back to a constant of its own.
"""

from __future__ import annotations

import random

SEED_BITS = 32


def new_seed() -> int:
    """A fresh random seed (not reproducible by itself: record it)."""
    return random.SystemRandom().randrange(2**SEED_BITS)


def resolve_seed(seed: int | None) -> int:
    """``seed`` as given, or a fresh random one when it is None."""
    return seed if seed is not None else new_seed()
