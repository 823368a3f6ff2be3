"""ADR runtime checks that judge every response, registered as Schemathesis custom checks.

Schemathesis runs its registered checks on every response it receives, in every phase; these
are registered once, globally, but only act on runs of this engine (``RunState`` is looked up
by schema). A check returns True when the response is not subject to it: Schemathesis then
records no result, so the counts in a report are real evaluations.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import schemathesis

from conformance.engine import catalogue
from conformance.engine.checks.exchanges import ExchangeProblem, ExchangeValidator
from conformance.engine.checks.leaks import find_leak
from conformance.engine.fuzzing.internals import HIGH_SEVERITY, TitledFailure, is_negative_case
from conformance.engine.openapi.datetimes import SchemaWalker, date_problem
from conformance.engine.verdict.facts import EARLIER_REJECTIONS

if TYPE_CHECKING:
    from schemathesis import CheckContext, Response
    from schemathesis.specs.openapi.schemas import (
        OpenApiCase as Case,
    )  # Case of an OpenAPI operation


class ConformanceFailure(TitledFailure):
    """A finding of one of our checks; its title names what is wrong."""

    code: ClassVar[str] = "GDI001"
    kind_title: ClassVar[str] = "GDI conformance check failed"

    def __init__(self, *, operation: str, title: str, message: str) -> None:
        super().__init__(operation=operation, title=title, message=message, severity=HIGH_SEVERITY)


@dataclass(slots=True)
class RunState:
    """What the response checks of one run need to know about it."""

    api_version: str | None
    document: dict[str, Any]
    tls: bool
    walker: SchemaWalker
    exchanges: ExchangeValidator | None


_RUNS: dict[int, RunState] = {}
_RUNS_LOCK = threading.Lock()


def attach(schema: object, state: RunState) -> None:
    with _RUNS_LOCK:
        _RUNS[id(schema)] = state


def detach(schema: object) -> None:
    with _RUNS_LOCK:
        _RUNS.pop(id(schema), None)


def _state(case: Case) -> RunState | None:
    return _RUNS.get(id(case.operation.schema))


def schemathesis_name(check_id: str) -> str:
    """The name a check id is registered under in Schemathesis (a Python identifier)."""
    return "gdi_" + "".join(char if char.isalnum() else "_" for char in check_id)


CHECK_IDS_BY_NAME: dict[str, str] = {}

ResponseCheck = Callable[[RunState, "Response", "Case"], bool | None]


def _register(check_id: str) -> Callable[[ResponseCheck], ResponseCheck]:
    """Hand the per-response check ``check_id`` (declared in the catalogue) to Schemathesis."""
    declared = catalogue.CATALOGUE.get(check_id)
    if declared is None or declared.kind is not catalogue.Kind.RESPONSE:
        raise ValueError(f"{check_id} is not declared as a per-response check in the catalogue")

    def decorator(func: ResponseCheck) -> ResponseCheck:
        def run(ctx: CheckContext, response: Response, case: Case) -> bool | None:
            state = _state(case)
            if state is None:
                return True  # a Schemathesis run that is not ours
            return func(state, response, case)

        run.__name__ = schemathesis_name(check_id)
        run.__doc__ = func.__doc__
        CHECK_IDS_BY_NAME[run.__name__] = check_id
        schemathesis.check(run)
        return func

    return decorator


def header(response: Response, name: str) -> str | None:
    values = response.headers.get(name.lower())
    return ", ".join(values) if values else None


def media_type(response: Response) -> str:
    return (header(response, "content-type") or "").split(";")[0].strip().lower()


def _where(response: Response, case: Case) -> str:
    return f"{response.status_code} response to {case.method.upper()} {case.formatted_path}"


def _fail(case: Case, title: str, message: str) -> ConformanceFailure:
    return ConformanceFailure(operation=case.operation.label, title=title, message=message)


@_register(catalogue.VERSION_HEADER)
def version_header(state: RunState, response: Response, case: Case) -> bool | None:
    """Every response carries API-Version equal to info.version (/core/version-header)."""
    value = header(response, "api-version")
    if value is None:
        raise _fail(
            case,
            "API-Version header missing",
            f"The {_where(response, case)} has no API-Version header; "
            f"the spec's info.version is {state.api_version!r}.",
        )
    if state.api_version is not None and value.strip() != state.api_version:
        raise _fail(
            case,
            "API-Version header differs from info.version",
            f"The {_where(response, case)} says API-Version {value!r}; "
            f"the spec's info.version is {state.api_version!r}.",
        )
    return None


def problem_issues(response: Response) -> list[str]:
    """What is wrong with an error response as an RFC 9457 problem document."""
    kind = media_type(response)
    if kind == "application/problem+xml":
        text = response.content.decode("utf-8", "replace")
        missing = [name for name in ("status", "title", "detail") if f"<{name}>" not in text]
        return [f"the problem document has no <{name}>" for name in missing]
    if kind != "application/problem+json":
        return [f"Content-Type is {kind or 'missing'!r}, not application/problem+json"]
    try:
        body = json.loads(response.content)
    except ValueError:
        return ["the body is not JSON"]
    if not isinstance(body, dict):
        return ["the body is not a JSON object"]
    issues = []
    status = body.get("status")
    if not isinstance(status, int) or isinstance(status, bool):
        issues.append("member status is missing or not an integer")
    elif status != response.status_code:
        issues.append(f"member status is {status}, the HTTP status is {response.status_code}")
    for name in ("title", "detail"):
        if not isinstance(body.get(name), str):
            issues.append(f"member {name} is missing or not a string")
    return issues


@_register(catalogue.PROBLEM_DETAILS)
def problem_details(state: RunState, response: Response, case: Case) -> bool | None:
    """4xx/5xx are problem+json with status, title and detail (ADR problem-details)."""
    if response.status_code < 400 or case.method.upper() == "HEAD":
        return True
    issues = problem_issues(response)
    if issues:
        raise _fail(
            case,
            "Error response is not a problem document",
            f"The {_where(response, case)} is not RFC 9457 problem details: {'; '.join(issues)}.",
        )
    return None


@_register(catalogue.INVALID_INPUT_400)
def invalid_input_400(state: RunState, response: Response, case: Case) -> bool | None:
    """Invalid input gets 400, never 422 (/core/error-handling/invalid-input)."""
    status = response.status_code
    if status == 422:
        raise _fail(
            case,
            "Invalid input answered with 422",
            f"The {_where(response, case)}: the API Design Rules require 400 for invalid input, "
            "never 422.",
        )
    if not is_negative_case(case) or not 400 <= status < 500 or status in EARLIER_REJECTIONS:
        # Valid input; not rejected at all (api:negative_data_rejection's concern); or
        # rejected before validation (credentials, routing): no evidence either way.
        return True
    if status != 400:
        raise _fail(
            case,
            "Invalid input not answered with 400",
            f"The {_where(response, case)} rejects input that does not match the spec with "
            f"{status}; the API Design Rules require 400.",
        )
    return None


REQUIRED_SECURITY_HEADERS: tuple[tuple[str, Callable[[str], bool], str], ...] = (
    (
        "cache-control",
        lambda value: "no-store" in [part.strip().lower() for part in value.split(",")],
        "Cache-Control: no-store",
    ),
    (
        "content-security-policy",
        lambda value: any(
            " ".join(part.split()).lower() == "frame-ancestors 'none'" for part in value.split(";")
        ),
        "Content-Security-Policy: frame-ancestors 'none'",
    ),
    (
        "x-content-type-options",
        lambda value: value.strip().lower() == "nosniff",
        "X-Content-Type-Options: nosniff",
    ),
    ("x-frame-options", lambda value: value.strip().upper() == "DENY", "X-Frame-Options: DENY"),
)


def security_header_issues(headers: dict[str, str], *, tls: bool, has_body: bool) -> list[str]:
    """Which mandatory ADR security headers are absent or wrong (header names lower-case)."""
    issues = []
    for name, accepts, wanted in REQUIRED_SECURITY_HEADERS:
        value = headers.get(name)
        if value is None:
            issues.append(f"{wanted} is missing")
        elif not accepts(value):
            issues.append(f"{wanted} expected, got {value!r}")
    if tls and "strict-transport-security" not in headers:
        issues.append("Strict-Transport-Security is missing (the API is served over TLS)")
    if has_body and "content-type" not in headers:
        issues.append("Content-Type is missing on a response with a body")
    return issues


@_register(catalogue.SECURITY_HEADERS)
def security_headers(state: RunState, response: Response, case: Case) -> bool | None:
    """Every response carries the mandatory security headers (/core/transport/security-headers)."""
    headers = {name: ", ".join(values) for name, values in response.headers.items()}
    issues = security_header_issues(headers, tls=state.tls, has_body=bool(response.content))
    if issues:
        raise _fail(
            case,
            "Security headers missing or wrong",
            f"The {_where(response, case)}: {'; '.join(issues)}.",
        )
    return None


def _response_schema(state: RunState, case: Case, response: Response) -> Any:
    operation = state.document.get("paths", {}).get(case.operation.path, {})
    operation = state.walker.resolve(operation).get(case.method.lower())
    if not isinstance(operation, dict):
        return None
    responses = state.walker.resolve(operation.get("responses") or {})
    status = str(response.status_code)
    declared = next(
        (
            responses[key]
            for key in (status, f"{status[0]}XX", f"{status[0]}xx", "default")
            if key in responses
        ),
        None,
    )
    content = state.walker.resolve(declared or {}).get("content") or {}
    kind = media_type(response)
    media = content.get(kind) or next(
        (value for key, value in content.items() if key.split(";")[0].strip() == kind), None
    )
    return state.walker.resolve(media).get("schema") if isinstance(media, dict) else None


@_register(catalogue.DATE_TIME_FORMAT)
def date_time_format(state: RunState, response: Response, case: Case) -> bool | None:
    """Dates are full dates, date-times RFC 3339 in UTC 'Z' (/core/date-time/*)."""
    if case.method.lower() != case.operation.method.lower() or not response.content:
        return True
    schema = _response_schema(state, case, response)
    if schema is None:
        return True
    try:
        body = json.loads(response.content)
    except ValueError:
        return True  # not JSON: content-type and schema checks report that
    found = list(state.walker.date_values(schema, body))
    if not found:
        return True
    problems = [
        f"{path}: {problem}"
        for path, fmt, value in found
        if (problem := date_problem(fmt, value)) is not None
    ]
    if problems:
        raise _fail(
            case,
            "Date or date-time not in the ADR format",
            f"The {_where(response, case)}: {'; '.join(problems[:5])}.",
        )
    return None


def _sent_credential(response: Response) -> str | None:
    value = response.request.headers.get("Authorization") or ""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    credential = value.partition(" ")[2].strip()
    # Short values would match by accident; real credentials are long.
    return credential if len(credential) >= 8 else None


@_register(catalogue.NO_INTERNAL_DETAILS)
def no_internal_details(state: RunState, response: Response, case: Case) -> bool | None:
    """Error bodies reveal no stack traces or internal file paths, and never echo a credential."""
    if response.status_code < 400 or not response.content:
        return True
    body = response.content.decode("utf-8", "replace")
    credential = _sent_credential(response)
    if credential is not None and credential in body:
        raise _fail(
            case,
            "Error response echoes the credential",
            f"The {_where(response, case)} repeats the credential the request carried.",
        )
    leak = find_leak(body)
    if leak is not None:
        what, excerpt = leak
        raise _fail(
            case,
            "Error response reveals internal details",
            f"The {_where(response, case)} contains {what}: …{excerpt}…",
        )
    return None


@_register(catalogue.EXCHANGE_VALID)
def exchange_valid(state: RunState, response: Response, case: Case) -> bool | None:
    """openapi-core agrees that the response is one the spec declares."""
    if state.exchanges is None or case.method.lower() != case.operation.method.lower():
        return (
            True  # a request outside the spec (e.g. an unsupported method) has no declared answer
        )
    request = response.request
    result = state.exchanges.validate(
        method=case.method,
        url=str(request.url),
        status=response.status_code,
        headers={name: ", ".join(values) for name, values in response.headers.items()},
        body=response.content,
    )
    if result is True:
        return True
    if isinstance(result, ExchangeProblem):
        raise _fail(case, result.title, f"The {_where(response, case)}: {result.message}")
    return None
