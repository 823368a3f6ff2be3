"""Static findings as SARIF 2.1.0, for code-scanning dashboards.

Every rule of the ADR version that ran is listed under ``tool.driver.rules`` (with its ADR rule
id and default level), so a result is traceable to the clause of the standard it breaks. Our own
rules (``gdi:*``) carry ``"extra": true`` and the tag ``extra``, on the rule and on each result.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import PurePath
from urllib.parse import quote

import conformance
from conformance.lint.findings import Finding, Severity
from conformance.lint.registry import RULES, Rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
ADR_DOCUMENT = "https://logius-standaarden.github.io/API-Design-Rules/"
_LEVEL = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.HINT: "note",
}


def render_sarif(findings: Sequence[Finding], *, adr_version: str, extras: bool = False) -> str:
    rules = [rule for rule in RULES.for_version(adr_version) if extras or not rule.extra]
    index = {rule.id: position for position, rule in enumerate(rules)}
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "gdi-conformance",
                        "fullName": f"gdi-conformance lint (NL GOV API Design Rules {adr_version})",
                        "version": conformance.__version__,
                        "informationUri": ADR_DOCUMENT,
                        "rules": [_descriptor(rule, adr_version) for rule in rules],
                    }
                },
                "results": [_result(finding, index) for finding in findings],
                "properties": {"adrVersion": adr_version},
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _descriptor(rule: Rule, adr_version: str) -> dict[str, object]:
    severity = rule.severity_for(adr_version) or Severity.ERROR
    descriptor: dict[str, object] = {
        "id": rule.id,
        "shortDescription": {"text": rule.description},
        "defaultConfiguration": {"level": _LEVEL[severity]},
        "properties": {"adr": rule.adr, "origin": rule.origin, "extra": rule.extra},
    }
    if rule.extra:
        descriptor["properties"]["tags"] = ["extra"]  # type: ignore[index]
    if rule.adr:
        descriptor["helpUri"] = ADR_DOCUMENT + "#" + quote(rule.adr, safe="")
    return descriptor


def _result(finding: Finding, index: dict[str, int]) -> dict[str, object]:
    result: dict[str, object] = {
        "ruleId": finding.rule,
        "level": _LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(finding.file)},
                    "region": {"startLine": finding.line, "startColumn": finding.column},
                },
                "logicalLocations": [{"fullyQualifiedName": finding.path or "$", "kind": "member"}],
            }
        ],
        "partialFingerprints": {"jsonPointer/v1": f"{finding.rule}:{finding.pointer}"},
        "properties": {"adr": finding.adr, "jsonPath": finding.path, "extra": finding.extra},
    }
    if finding.extra:
        result["properties"]["tags"] = ["extra"]  # type: ignore[index]
    if finding.rule in index:
        result["ruleIndex"] = index[finding.rule]
    return result


def _uri(file: str) -> str:
    path = PurePath(file)
    if path.is_absolute():
        return "file://" + quote(path.as_posix())
    return quote(path.as_posix())
