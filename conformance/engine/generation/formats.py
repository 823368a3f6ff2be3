"""String formats of Dutch government identifiers, taught to Schemathesis.

A pattern cannot express the BSN's 11-proef, so specs mark such fields ``format: bsn``.
Without a strategy Schemathesis would generate arbitrary nine-digit strings, which a
conformant service rightly rejects, and positive-data checks would fail for the wrong reason.
"""

from __future__ import annotations

import schemathesis
from hypothesis import strategies as st

from conformance.engine.generation.identifiers import kvk_numbers, oins, postcodes, valid_bsns

_FORMATS: dict[str, st.SearchStrategy[str]] = {
    "bsn": valid_bsns(),
    "kvk": kvk_numbers(),
    "oin": oins(),
    "postcode": postcodes(),
}


def register_formats() -> None:
    """Register the formats with Schemathesis (idempotent: the registry is a mapping)."""
    for name, strategy in _FORMATS.items():
        schemathesis.openapi.format(name, strategy)
