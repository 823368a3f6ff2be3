"""JUnit XML: valid against the published schema and a stricter one, honest about outcomes."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from support.sample_reports import evidence, make_report

from conformance.reports.certification import certify
from conformance.reports.junit import junit_xml
from conformance.reports.waivers import Waiver
from conformance.results import Outcome

SCHEMA = xmlschema.XMLSchema(Path(__file__).parent / "data" / "junit.xsd")
# The published schema (Jenkins xUnit plugin, as pytest uses for its own JUnit output).
PUBLISHED_SCHEMA = xmlschema.XMLSchema(Path(__file__).parent / "data" / "junit-10.xsd")
TODAY = dt.date(2025, 6, 1)


def render(outcomes: dict[str, Outcome] | None = None, **kwargs: object) -> ET.Element:
    waivers = kwargs.pop("waivers", None)
    report = make_report(outcomes, **kwargs)  # type: ignore[arg-type]
    data = junit_xml(report, certify(report, waivers, today=TODAY))  # type: ignore[arg-type]
    SCHEMA.validate(data.decode("utf-8"))
    PUBLISHED_SCHEMA.validate(data.decode("utf-8"))
    return ET.fromstring(data)


def cases(root: ET.Element) -> dict[str, ET.Element]:
    return {case.get("name", ""): case for case in root.iter("testcase")}


def case_for(root: ET.Element, prefix: str) -> ET.Element:
    found = [case for name, case in cases(root).items() if name.startswith(prefix)]
    assert len(found) == 1, [name for name in cases(root)]
    return found[0]


def test_all_passed_lists_every_requirement_and_check_as_passed() -> None:
    root = render()
    names = list(cases(root))
    assert any(name.startswith("GDI-MSG-001 ") for name in names)
    assert "adr:version-header" in names
    assert all(len(case) == 0 for case in root.iter("testcase")), "nothing failed or skipped"
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    assert set(suites) == {
        "messaging MUST requirements",
        "messaging SHOULD requirements",
        "messaging MAY requirements",
        "messaging checks",
    }
    assert suites["messaging MUST requirements"].get("tests") == "3"


def test_failure_has_message_and_curl_in_body() -> None:
    root = render({"GDI-MSG-001": Outcome.FAILED})
    failure = case_for(root, "GDI-MSG-001 ").find("failure")
    assert failure is not None
    assert failure.get("type") == "adr:version-header"
    assert "API-Version header missing" in (failure.get("message") or "")
    body = failure.text or ""
    assert "curl -X POST 'http://127.0.0.1:8123/messaging/v1/messages'" in body
    assert "Request: POST http://127.0.0.1:8123/messaging/v1/messages" in body
    assert "Response: 201" in body
    must = next(s for s in root.iter("testsuite") if s.get("name") == "messaging MUST requirements")
    assert must.get("failures") == "1"


@pytest.mark.parametrize("outcome", [Outcome.SKIPPED, Outcome.NOT_APPLICABLE])
def test_skipped_and_not_applicable_are_skipped_never_passed(outcome: Outcome) -> None:
    root = render({"GDI-MSG-020": outcome})
    skipped = case_for(root, "GDI-MSG-020 ").find("skipped")
    assert skipped is not None
    assert (skipped.get("message") or "").startswith(
        "not executed" if outcome is Outcome.SKIPPED else "not applicable"
    )
    check = cases(root)["adr:date-time-format"]
    assert check.find("skipped") is not None


def test_error_is_an_error() -> None:
    root = render({"GDI-MSG-002": Outcome.ERROR})
    error = case_for(root, "GDI-MSG-002 ").find("error")
    assert error is not None and error.get("message") == "connection refused"


def test_waived_failure_is_skipped_with_its_reason_and_expired_one_fails() -> None:
    held = Waiver("GDI-MSG-001", "gateway upgrade pending", dt.date(2025, 7, 1))
    root = render({"GDI-MSG-001": Outcome.FAILED}, waivers=[held])
    skipped = case_for(root, "GDI-MSG-001 ").find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "waived until 2025-07-01: gateway upgrade pending"

    expired = Waiver("GDI-MSG-001", "gateway upgrade pending", dt.date(2025, 5, 1))
    root = render({"GDI-MSG-001": Outcome.FAILED}, waivers=[expired])
    failure = case_for(root, "GDI-MSG-001 ").find("failure")
    assert failure is not None
    assert "waiver expired on 2025-05-01" in (failure.get("message") or "")


def test_requirement_scoped_to_operations_gets_a_case_per_operation() -> None:
    root = render(
        {"GDI-MSG-003": Outcome.FAILED},
        failures={"GDI-MSG-003": [evidence("GDI-MSG-003", "sendMessage")]},
    )
    case = case_for(root, "GDI-MSG-003 ")
    assert case.get("name", "").endswith("[sendMessage: POST /messages]")
    assert case.find("failure") is not None


def test_control_characters_in_evidence_stay_valid_xml() -> None:
    broken = evidence("GDI-MSG-001")
    assert broken.response is not None
    broken.response.body = "bad \x00\x07 bytes"
    root = render({"GDI-MSG-001": Outcome.FAILED}, failures={"GDI-MSG-001": [broken]})
    failure = case_for(root, "GDI-MSG-001 ").find("failure")
    assert failure is not None and "bad \N{REPLACEMENT CHARACTER}" in (failure.text or "")


@pytest.mark.parametrize("schema", [SCHEMA, PUBLISHED_SCHEMA], ids=["strict", "published"])
def test_schema_rejects_a_broken_document(schema: xmlschema.XMLSchema) -> None:
    """Each schema in use rejects what CI servers reject (a test case without a name)."""
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        schema.validate("<testsuites><testsuite><testcase/></testsuite></testsuites>")
