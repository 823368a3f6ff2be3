"""The differential test's judge: a failure the CLI reports is ours only where our report has
an equivalent check failing on the same operation (or on the API as a whole)."""

from __future__ import annotations

import dataclasses

from differential import Comparison, Found, judge
from support.sample_reports import evidence, make_report

from conformance.results import Evidence, Outcome


def failure(check: str, operation: str | None) -> Evidence:
    return dataclasses.replace(evidence("GDI-MSG-001"), check=check, operation=operation)


def judged(cli: list[Found], *failures: Evidence) -> Comparison:
    report = make_report({"GDI-MSG-001": Outcome.FAILED}, failures={"GDI-MSG-001": list(failures)})
    comparison = Comparison("flaw", cli=cli)
    judge(comparison, report)
    return comparison


def test_a_failure_on_an_operation_we_did_not_fail_is_missed() -> None:
    found = Found("JsonSchemaError", ("GET /inbox", "POST /messages"))
    comparison = judged([found], failure("api:response_schema_conformance", "GET /inbox"))
    assert comparison.missed == [Found("JsonSchemaError", ("POST /messages",))]


def test_a_failure_on_every_operation_the_cli_names_is_not_missed() -> None:
    found = Found("UndefinedStatusCode", ("GET /inbox", "POST /messages"))
    comparison = judged(
        [found],
        failure("api:status_code_conformance", "GET /inbox"),
        failure("openapi:exchange-valid", "POST /messages"),
    )
    assert comparison.missed == []
    assert "adr:version-header" in comparison.extra  # the sample report's own failure


def test_a_failure_of_the_api_as_a_whole_covers_every_operation() -> None:
    found = Found("MissingHeaders", ("GET /inbox", "POST /messages"))
    comparison = judged([found], failure("api:response_headers_conformance", None))
    assert comparison.missed == []


def test_a_stateful_failure_is_ours_when_an_equivalent_check_failed_anywhere() -> None:
    found = Found("UseAfterFree", ("Stateful tests",))
    assert judged([found], failure("api:use_after_free", "DELETE /messages/{id}")).missed == []
    assert judged([found], failure("api:read-after-create", "POST /messages")).missed == [found]


def test_a_kind_no_check_of_ours_finds_is_missed_whole() -> None:
    found = Found("IgnoredAuth", ("GET /inbox",))
    comparison = judged([found], failure("api:response_schema_conformance", "GET /inbox"))
    assert comparison.missed == [found]
    assert comparison.ours >= {"api:response_schema_conformance"}


def test_an_undeclared_method_is_judged_by_its_path() -> None:
    found = Found("UnsupportedMethodResponse", ("TRACE /inbox", "TRACE /messages"))
    comparison = judged(
        [found],
        failure("adr:http-methods-405", "PUT /inbox"),
        failure("api:unsupported_method", "POST /messages/{id}"),
    )
    assert comparison.missed == [Found("UnsupportedMethodResponse", ("TRACE /messages",))]
