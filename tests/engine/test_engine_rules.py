"""The rule logic behind the checks, each shown passing and failing on small inputs."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import pytest

from conformance.client.credentials import (
    CredentialError,
    StaticHeaders,
    Subjects,
    TokenCommand,
    _CachedToken,
    jwt_expiry,
)
from conformance.engine.checks.leaks import find_leak
from conformance.engine.checks.probes import _comparable, allow_issues, differences
from conformance.engine.checks.responses import security_header_issues
from conformance.engine.openapi.datetimes import SchemaWalker, date_problem
from conformance.httplimits import HttpClient
from conformance.results import REDACTED


@pytest.mark.parametrize(
    ("fmt", "value"),
    [
        ("date", "2024-02-29"),
        ("date-time", "2024-01-02T10:00:00Z"),
        ("date-time", "2024-01-02T10:00:00.123456789Z"),
    ],
)
def test_dates_in_adr_format_pass(fmt: str, value: str) -> None:
    assert date_problem(fmt, value) is None


@pytest.mark.parametrize(
    ("fmt", "value", "why"),
    [
        ("date", "2024-01-02T00:00:00Z", "full date"),
        ("date", "2023-02-29", "calendar date"),
        ("date-time", "2024-01-02t10:00:00Z", "uppercase T"),
        ("date-time", "2024-01-02T10:00:00", "time zone"),
        ("date-time", "2024-01-02T10:00:00+01:00", "not in UTC"),
        ("date-time", "2024-01-02T10:00:00-00:00", "not in UTC"),
        ("date-time", "2024-01-02T25:00:00Z", "valid date-time"),
    ],
)
def test_dates_breaking_adr_format_fail(fmt: str, value: str, why: str) -> None:
    problem = date_problem(fmt, value)
    assert problem is not None and why in problem


def test_walker_finds_dates_through_refs_compositions_and_arrays() -> None:
    document = {
        "components": {
            "schemas": {
                "When": {"type": "string", "format": "date-time"},
                "Item": {
                    "allOf": [
                        {
                            "type": "object",
                            "properties": {"at": {"$ref": "#/components/schemas/When"}},
                        },
                        {
                            "type": "object",
                            "properties": {"on": {"type": "string", "format": "date"}},
                        },
                    ]
                },
            }
        }
    }
    schema = {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}
    body = [{"at": "2024-01-02T10:00:00Z", "on": "2024-01-02", "other": "x"}, {"at": "late"}]
    found = list(SchemaWalker(document).date_values(schema, body))
    assert found == [
        ("$[0].at", "date-time", "2024-01-02T10:00:00Z"),
        ("$[0].on", "date", "2024-01-02"),
        ("$[1].at", "date-time", "late"),
    ]


def test_walker_survives_recursive_schemas() -> None:
    document = {"components": {"schemas": {"Node": {"$ref": "#/components/schemas/Node"}}}}
    assert list(SchemaWalker(document).date_values({"$ref": "#/components/schemas/Node"}, {})) == []


@pytest.mark.parametrize(
    "body",
    [
        'Traceback (most recent call last):\n  File "x.py", line 1',
        "java.lang.NullPointerException\n\tat com.acme.Service.run(Service.java:42)",
        '{"detail": "cannot open /srv/app/config/settings.yaml"}',
        '{"detail": "failed in C:\\\\inetpub\\\\wwwroot\\\\app.dll"}',
        '{"detail": "SQLSTATE[42S02]: Base table not found"}',
    ],
)
def test_internal_details_are_found(body: str) -> None:
    assert find_leak(body) is not None


def test_ordinary_problem_documents_leak_nothing() -> None:
    body = json.dumps(
        {
            "type": "https://api.example.org/problems/not-found",
            "title": "Not Found",
            "status": 404,
            "detail": "There is no task 12.",
            "instance": "/tasks/v1/tasks/12",
        }
    )
    assert find_leak(body) is None


GOOD_HEADERS = {
    "cache-control": "no-store",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-type": "application/json",
}


def test_security_headers_complete() -> None:
    assert security_header_issues(GOOD_HEADERS, tls=False, has_body=True) == []


def test_security_headers_missing_or_wrong() -> None:
    headers = {**GOOD_HEADERS, "cache-control": "max-age=60", "x-frame-options": "SAMEORIGIN"}
    del headers["x-content-type-options"]
    issues = security_header_issues(headers, tls=True, has_body=True)
    assert len(issues) == 4
    assert any("Strict-Transport-Security" in issue for issue in issues)


def test_allow_header_rules() -> None:
    assert allow_issues("GET, POST", {"GET", "POST"}) == []
    assert allow_issues("GET, HEAD, OPTIONS, POST", {"GET", "POST"}) == []
    assert allow_issues(None, {"GET"}) == ["the Allow header is missing"]
    assert "leaves out POST" in allow_issues("GET", {"GET", "POST"})[0]
    assert "lists DELETE" in allow_issues("GET, DELETE", {"GET"})[0]


def test_published_document_compared_semantically() -> None:
    spec = {
        "openapi": "3.0.3",
        "servers": [{"url": "https://api.example.org/v1"}],
        "paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/components/responses/Ok"}}}}},
        "components": {"responses": {"Ok": {"description": "ok"}}},
    }
    inlined = {
        "openapi": "3.0.3",
        "servers": [{"url": "http://127.0.0.1:8000/v1"}],
        "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}},
        "components": {"responses": {"Ok": {"description": "ok"}}},
    }
    assert list(differences(_comparable(spec), _comparable(inlined))) == []
    drifted = json.loads(json.dumps(inlined))
    drifted["paths"]["/a"]["get"]["responses"]["200"]["description"] = "fine"
    found = list(differences(_comparable(spec), _comparable(drifted)))
    assert found == [
        '$.paths./a.get.responses.200.description is "fine" in the published document, '
        '"ok" in the spec'
    ]


def _jwt(claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part(claims)}.sig"


def test_jwt_expiry_is_read_without_verification() -> None:
    assert jwt_expiry(_jwt({"exp": 1700000000})) == 1700000000
    assert jwt_expiry("opaque-token") is None


@pytest.mark.slow
def test_token_command_output_becomes_a_bearer_header_and_is_cached(tmp_path: Path) -> None:
    counter = tmp_path / "count"
    script = tmp_path / "token.py"
    script.write_text(
        "import pathlib, sys\n"
        f"p = pathlib.Path({str(counter)!r})\n"
        "n = int(p.read_text()) + 1 if p.exists() else 1\n"
        "p.write_text(str(n))\n"
        "print('opaque-token-value')\n"
    )
    source = TokenCommand(f"{sys.executable} {script}")
    assert source.headers() == {"Authorization": "Bearer opaque-token-value"}
    assert source.headers() == {"Authorization": "Bearer opaque-token-value"}
    assert counter.read_text() == "1"  # fetched once, then cached
    assert "token.py" not in source.describe() and "opaque" not in source.describe()


def test_tokens_are_fetched_again_shortly_before_they_expire() -> None:
    now = [1000.0]
    fetched: list[str] = []

    def fetch() -> str:
        fetched.append("x")
        return _jwt({"exp": int(now[0]) + 120})

    cache = _CachedToken(fetch=fetch, clock=lambda: now[0])
    cache.get()
    now[0] += 60  # still valid, well before the refresh margin
    cache.get()
    assert len(fetched) == 1
    now[0] += 40  # within EXPIRY_MARGIN of exp
    cache.get()
    assert len(fetched) == 2


@pytest.mark.slow
def test_failing_token_command_is_a_credential_error(tmp_path: Path) -> None:
    with pytest.raises(CredentialError, match="exited with 3"):
        TokenCommand(f"{sys.executable} -c 'import sys; sys.exit(3)'").headers()
    with pytest.raises(CredentialError, match="not found"):
        TokenCommand("no-such-program-anywhere").headers()


def test_subjects_register_every_credential_for_redaction() -> None:
    subjects = Subjects(
        {
            "primary": StaticHeaders({"Authorization": "Bearer primary-secret-1"}),
            "secondary": StaticHeaders({"X-Api-Key": "secondary-secret-2"}),
        }
    )
    assert subjects.headers_for("secondary") == {"X-Api-Key": "secondary-secret-2"}
    subjects.headers_for("primary")
    cleaned = subjects.redactor.text("primary-secret-1 and secondary-secret-2")
    assert cleaned == f"{REDACTED} and {REDACTED}"
    assert [info.kind for info in subjects.describe()] == ["static-headers", "static-headers"]
    assert "secret" not in " ".join(info.description for info in subjects.describe())
    assert subjects.headers_for("nobody") == {}


def test_http_client_turns_transport_failures_into_errors() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with HttpClient(timeout=2, max_response_bytes=100) as http:
        exchange = http.send("GET", f"http://127.0.0.1:{port}/x")
    assert exchange.response is None and exchange.error
