"""Links from a requirement's ADR rule ids to the rules' text on the published standard.

The NL GOV API Design Rules (ADR 2.x) are published as one page; every rule is an element
whose id is the rule id (``/core/version-header``), so ``PAGE#<id>`` opens that rule.
"""

from __future__ import annotations

PAGE = "https://logius-standaarden.github.io/API-Design-Rules/"

# The rule ids of the published page (ADR 2.x core set and its modules): only these are linked,
# so a mistyped id in a profile shows as plain text instead of a link that opens nothing.
RULES = frozenset(
    {
        "/core/changelog",
        "/core/date-time/date-omit-time-portion",
        "/core/date-time/format",
        "/core/date-time/timezone",
        "/core/deprecation-schedule",
        "/core/doc-language",
        "/core/doc-openapi",
        "/core/doc-openapi-contact",
        "/core/error-handling/all-errors",
        "/core/error-handling/invalid-input",
        "/core/error-handling/problem-details",
        "/core/hide-implementation",
        "/core/http-methods",
        "/core/http-response-code",
        "/core/http-safety",
        "/core/interface-language",
        "/core/modules/encryption",
        "/core/modules/geospatial",
        "/core/modules/signing",
        "/core/naming-collections",
        "/core/naming-resources",
        "/core/nested-child",
        "/core/no-trailing-slash",
        "/core/path-segments-kebab-case",
        "/core/publish-openapi",
        "/core/query-keys-camel-case",
        "/core/resource-operations",
        "/core/semver",
        "/core/stateless",
        "/core/transition-period",
        "/core/transport/cors",
        "/core/transport/no-sensitive-uris",
        "/core/transport/security-headers",
        "/core/transport/tls",
        "/core/uri-version",
        "/core/version-header",
    }
)


def rule_url(rule: str) -> str | None:
    """Where the text of ``rule`` is published, or None for an id the standard does not have."""
    return f"{PAGE}#{rule}" if rule in RULES else None
