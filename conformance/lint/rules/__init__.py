"""The rule modules; importing this package registers every rule in conformance.lint.RULES."""

from conformance.lint.rules import (  # noqa: F401  (imported for their registrations)
    examples,
    extras,
    nlgov_core,
    nlgov_dates,
    nlgov_errors,
    oas,
    oas_schema,
    spectral_core,
)
