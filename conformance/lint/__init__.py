"""lint layer (see ARCHITECTURE.md): static NL GOV API Design Rules checks over a loaded spec.

``lint_spec(spec, adr_version="2.2")`` runs every rule of the official ADR ruleset (ported from
its Spectral definitions, with the same selectors and result paths, and what Spectral reports
for unresolvable $refs and keys its parser refuses) and returns typed findings; with
``extras=True`` also our own rules (``gdi:*``), whose findings say ``extra``. ``RULES`` lists
the rules with their ADR rule ids and severities.
"""

from conformance.lint.findings import Finding, Severity
from conformance.lint.registry import RULES, Hit, Rule, rule
from conformance.lint.runner import lint_document, lint_spec
from conformance.lint.versions import ADR_VERSIONS, DEFAULT_ADR_VERSION

__all__ = [
    "ADR_VERSIONS",
    "DEFAULT_ADR_VERSION",
    "RULES",
    "Finding",
    "Hit",
    "Rule",
    "Severity",
    "lint_document",
    "lint_spec",
    "rule",
]
