"""A negative case whose invalid part never reached the API is not negative data.

Schemathesis counts the security scheme's header (``Authorization``) among an operation's
required headers and may generate a "negative" case that only leaves required headers out.
The run, however, puts its subject's credentials on every request: what is sent then carries
every header the case left out and is a valid request. An API that accepts it is right, and
``api:negative_data_rejection`` would report a defect that is not there. ``reached_api_valid``
recognises such a case from its own record of the mutation and the request as sent: every
mutation is a header ``required`` one and every header it names was sent. Any other negative
case, or one with a header really missing, is judged as usual.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from conformance.engine.fuzzing.internals import header_only_mutations


def reached_api_valid(case: Any, sent_headers: Iterable[str]) -> bool:
    left_out = header_only_mutations(case)
    if not left_out:
        return False
    sent = {name.lower() for name in sent_headers}
    return all(str(name).lower() in sent for name in left_out)
