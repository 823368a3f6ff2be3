"""JUnit XML (the Ant/Jenkins format every CI server reads) from a run and its certification.

One test suite per requirement level (MUST, SHOULD, MAY) and one for the checks. A requirement
limited to some operations gets one test case per operation; any other requirement one test
case. Passed requirements and checks are listed too. Waived failures and requirements that
were skipped or not applicable appear as *skipped* (with the reason), never as passed; a
failure carries its message, and its body holds the evidence and a curl command.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from conformance.reports.certification import Certification, RequirementStanding, Standing
from conformance.reports.evidence_text import evidence_text
from conformance.results import CheckResult, Evidence, Level, Outcome, RunReport

JUNIT_FILE = "junit.xml"
# XML 1.0 cannot carry most control characters, even escaped; responses may contain them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\N{REPLACEMENT CHARACTER}", text)


def _timestamp(iso: str) -> str:
    """Ant wants a local date-time without zone or fraction: 2025-05-01T10:00:00."""
    match = re.match(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", iso)
    return match.group(0) if match else "1970-01-01T00:00:00"


class _Suite:
    def __init__(self, name: str, classname: str) -> None:
        self.name = name
        self.classname = classname
        self.cases: list[ET.Element] = []
        self.counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        # Per requirement: cases sent and cases that were evidence (a pass needs evidence).
        self.properties: list[tuple[str, str]] = []

    def case(self, name: str) -> ET.Element:
        element = ET.Element("testcase", name=_clean(name), classname=self.classname, time="0")
        self.cases.append(element)
        self.counts["tests"] += 1
        return element

    def passed(self, name: str) -> None:
        self.case(name)

    def skipped(self, name: str, message: str) -> None:
        ET.SubElement(self.case(name), "skipped", message=_clean(message))
        self.counts["skipped"] += 1

    def failed(self, name: str, kind: str, message: str, body: str) -> None:
        failure = ET.SubElement(self.case(name), "failure", message=_clean(message), type=kind)
        failure.text = _clean(body)
        self.counts["failures"] += 1

    def errored(self, name: str, message: str, body: str) -> None:
        error = ET.SubElement(self.case(name), "error", message=_clean(message), type="error")
        error.text = _clean(body)
        self.counts["errors"] += 1


def _evidence_body(evidence: list[Evidence], note: str | None) -> str:
    parts = [note] if note else []
    parts += [evidence_text(item) for item in evidence]
    return "\n\n".join(parts)


def _fail_message(standing: RequirementStanding, evidence: list[Evidence]) -> str:
    first = evidence[0] if evidence else None
    detail = f"{first.title}: {first.message}" if first else (standing.result.reason or "failed")
    prefix = f"{standing.note}. " if standing.note else ""
    return f"{prefix}{standing.id} {standing.result.statement} {detail}"


def _on(evidence: Evidence, operation: str) -> bool:
    return operation in (evidence.operation_id, evidence.operation)


def _requirement_cases(
    suite: _Suite, standing: RequirementStanding, labels: dict[str, str]
) -> None:
    result = standing.result
    base = f"{result.id} {result.statement}"
    scopes: list[str | None] = list(result.operations) or [None]
    located = any(_on(item, op) for item in result.failures for op in result.operations)
    for operation in scopes:
        name = base if operation is None else f"{base} [{labels.get(operation, operation)}]"
        evidence = result.failures
        if operation is not None and located:
            evidence = [item for item in result.failures if _on(item, operation)]
        state = standing.standing
        if state in (Standing.FAILED, Standing.WAIVED) and not evidence and located:
            suite.passed(name)  # the failures were on the requirement's other operations
        elif state is Standing.PASSED:
            suite.passed(name)
        elif state is Standing.FAILED:
            kind = ", ".join(sorted({item.check for item in evidence})) or "requirement"
            body = _evidence_body(evidence, standing.note)
            suite.failed(name, kind, _fail_message(standing, evidence), body)
        elif state is Standing.WAIVED:
            suite.skipped(name, standing.note or "waived")
        elif state is Standing.ERROR:
            message = result.reason or "the requirement's checks could not be carried out"
            suite.errored(name, message, "\n".join(result.errors))
        elif state is Standing.NOT_APPLICABLE:
            suite.skipped(
                name, f"not applicable: {result.reason or 'nothing in this API is subject to it'}"
            )
        else:
            suite.skipped(name, f"not executed: {result.reason or 'skipped'}")
    suite.properties += [
        (f"{result.id}.cases", str(result.cases)),
        (f"{result.id}.evidence_cases", str(result.evidence_cases)),
    ]
    if result.vendor_independent:
        suite.properties.append((f"{result.id}.scored", "false: a property of the profile"))


def _check_case(suite: _Suite, check: CheckResult) -> None:
    if check.outcome is Outcome.PASSED:
        suite.passed(check.id)
    elif check.outcome is Outcome.FAILED:
        message = f"{check.failures} failure(s) in {check.cases} case(s)"
        suite.failed(check.id, check.id, message, check.reason or message)
    elif check.outcome is Outcome.ERROR:
        suite.errored(check.id, check.reason or "could not be carried out", check.reason or "")
    elif check.outcome is Outcome.NOT_APPLICABLE:
        suite.skipped(check.id, f"not applicable: {check.reason or 'nothing to check'}")
    else:
        suite.skipped(check.id, f"not executed: {check.reason or 'skipped'}")


def _properties(report: RunReport, certification: Certification) -> list[tuple[str, str]]:
    items = [
        ("verdict", certification.verdict.label),
        ("score", str(certification.score)),
        ("run_id", report.run_id),
        ("seed", str(report.seed)),
        ("base_url", report.base_url),
        ("profile", f"{report.profile.name} {report.profile.version}"),
        ("spec_sha256", report.spec.sha256),
        ("gdi_conformance", report.tools.gdi_conformance),
        ("schemathesis", report.tools.schemathesis),
        ("hypothesis", report.tools.hypothesis),
    ]
    if report.product is not None:
        product = report.product
        items.append(("product", f"{product.vendor} {product.name} {product.version}"))
    return items


def junit_xml(report: RunReport, certification: Certification) -> bytes:
    block = report.profile.name
    labels = {
        item.operation_id: f"{item.operation_id}: {item.operation}"
        for item in report.operations
        if item.operation_id
    }
    suites: list[_Suite] = []
    for level in Level:
        standings = certification.by_level(level)
        if standings:
            suite = _Suite(f"{block} {level.value} requirements", f"gdi.{block}.{level.value}")
            for standing in standings:
                _requirement_cases(suite, standing, labels)
            suites.append(suite)
    checks = _Suite(f"{block} checks", f"gdi.{block}.checks")
    for check in report.checks:
        _check_case(checks, check)
    suites.append(checks)

    root = ET.Element("testsuites")
    host = urlsplit(report.base_url).hostname or "localhost"
    summary = "\n".join(
        [f"Verdict: {certification.verdict.label} (score {certification.score})"]
        + [f"- {reason}" for reason in certification.reasons]
    )
    errors = "\n".join(f"{item.title}: {item.message}" for item in report.errors)
    for index, suite in enumerate(suites):
        attributes = {
            "name": suite.name,
            "package": f"gdi.{block}",
            "id": str(index),
            "timestamp": _timestamp(report.started_at),
            "hostname": host,
            "time": f"{report.duration_s:.3f}" if suite is checks else "0",
            **{key: str(value) for key, value in suite.counts.items()},
        }
        element = ET.SubElement(root, "testsuite", attributes)
        properties = ET.SubElement(element, "properties")
        for name, value in _properties(report, certification) + suite.properties:
            ET.SubElement(properties, "property", name=name, value=_clean(value))
        element.extend(suite.cases)
        ET.SubElement(element, "system-out").text = _clean(summary)
        ET.SubElement(element, "system-err").text = _clean(errors)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
