"""The check-id vocabulary as the engine implements it.

Profiles name checks by id (``api:not_a_server_error``, ``adr:version-header``, ...); the
engine maps each id to what carries it out: a Schemathesis check, one of our per-response
ADR checks, an active probe, or a plugged-in active check (``conformance.engine.plugins``).
"""

from __future__ import annotations

# Schemathesis check name -> check id. These run on every response Schemathesis receives.
SCHEMATHESIS_CHECKS: dict[str, str] = {
    name: f"api:{name}"
    for name in (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "positive_data_acceptance",
        "missing_required_header",
        "unsupported_method",
        "use_after_free",
        "ensure_resource_availability",
        "ignored_auth",
        # Not in the agreed vocabulary, but Schemathesis runs them anyway: reported under their
        # own ids so nothing it finds is lost.
        "allow_header_conformance",
        "object_level_authorization",
    )
}

# Our checks that run on every response, next to Schemathesis's own.
VERSION_HEADER = "adr:version-header"
PROBLEM_DETAILS = "adr:problem-details"
INVALID_INPUT_400 = "adr:invalid-input-400"
SECURITY_HEADERS = "adr:security-headers"
DATE_TIME_FORMAT = "adr:date-time-format"
NO_INTERNAL_DETAILS = "sec:no-internal-details"
EXCHANGE_VALID = "openapi:exchange-valid"
# Also an active check (the spec's own URIs, and requests of its own): see sensitive_uris.
NO_SENSITIVE_URIS = "adr:no-sensitive-uris"

RESPONSE_CHECKS: tuple[str, ...] = (
    VERSION_HEADER,
    PROBLEM_DETAILS,
    INVALID_INPUT_400,
    SECURITY_HEADERS,
    DATE_TIME_FORMAT,
    NO_INTERNAL_DETAILS,
    EXCHANGE_VALID,
    NO_SENSITIVE_URIS,
)

# Active probes: requests the engine sends itself, once per path or once per run.
NO_TRAILING_SLASH = "adr:no-trailing-slash"
HTTP_METHODS_405 = "adr:http-methods-405"
PUBLISH_OPENAPI = "adr:publish-openapi"

PROBE_CHECKS: tuple[str, ...] = (NO_TRAILING_SLASH, HTTP_METHODS_405, PUBLISH_OPENAPI)

# Checks judged on the responses Schemathesis receives: an operation whose requests got no
# answer leaves them unproven for that operation.
PER_RESPONSE_CHECKS: frozenset[str] = frozenset((*SCHEMATHESIS_CHECKS.values(), *RESPONSE_CHECKS))

LINT_ADR = "lint:adr"
PAGINATION = "adr:pagination"

BUILTIN_CHECKS: frozenset[str] = frozenset(
    (*SCHEMATHESIS_CHECKS.values(), *RESPONSE_CHECKS, *PROBE_CHECKS)
)

# ADR rule id -> the runtime checks that enforce it. A profile exception names either a check
# id or an ADR rule id; a rule id excuses the failures of exactly these checks.
ADR_RULE_CHECKS: dict[str, tuple[str, ...]] = {
    "/core/version-header": (VERSION_HEADER,),
    "/core/error-handling/problem-details": (PROBLEM_DETAILS,),
    "/core/error-handling/invalid-input": (INVALID_INPUT_400, "api:negative_data_rejection"),
    "/core/no-trailing-slash": (NO_TRAILING_SLASH,),
    "/core/http-methods": (
        HTTP_METHODS_405,
        "api:unsupported_method",
        "api:allow_header_conformance",
    ),
    "/core/publish-openapi": (PUBLISH_OPENAPI,),
    "/core/transport/security-headers": (SECURITY_HEADERS,),
    "/core/date-time/format": (DATE_TIME_FORMAT,),
    "/core/date-time/timezone": (DATE_TIME_FORMAT,),
    "/core/transport/no-sensitive-uris": (NO_SENSITIVE_URIS,),
}


def checks_excused_by(rule: str) -> frozenset[str]:
    """Check ids whose failures an exception to ``rule`` (a rule id or a check id) covers."""
    if rule in ADR_RULE_CHECKS:
        return frozenset(ADR_RULE_CHECKS[rule])
    return frozenset({rule})
