"""Schemathesis hooks for the messaging spec, loaded with ``SCHEMATHESIS_HOOKS``.

The spec marks BSNs with ``format: bsn`` because the 11-proef cannot be written as a pattern;
without this strategy Schemathesis would draw nine random digits, which are mostly not a BSN,
and rightly be refused with 400.
"""

import schemathesis

from conformance.engine.generation.identifiers import valid_bsns

schemathesis.openapi.format("bsn", valid_bsns())
