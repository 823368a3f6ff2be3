"""Run the Schemathesis CLI (``schemathesis run --checks all``, the version installed) and our
engine on the same spec, target and seed, and compare what each found.

A failure the CLI reports is a kind of defect (its failure type) on an operation; our report
has it when one of the checks that find that kind of defect failed there (or, for defects of
the API as a whole, anywhere). ``EQUIVALENT`` says which of our checks find each kind.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tasks_target import TARGET_DIR, TOKEN, credentials, serve_tasks

from conformance.engine.running.runner import RunConfig, run
from conformance.results import Outcome, RunReport
from conformance.spec import load_spec

SCHEMATHESIS = [sys.executable, "-m", "schemathesis.cli"]
RESPONSE_CONFORMANCE = {
    "api:status_code_conformance",
    "api:content_type_conformance",
    "api:response_headers_conformance",
    "api:response_schema_conformance",
    "openapi:exchange-valid",
}
# Schemathesis failure type -> the checks of ours that find that kind of defect.
EQUIVALENT: dict[str, set[str]] = {
    "ServerError": {"api:not_a_server_error"},
    "UndefinedStatusCode": RESPONSE_CONFORMANCE,
    "UndefinedContentType": RESPONSE_CONFORMANCE | {"adr:problem-details"},
    "MissingContentType": RESPONSE_CONFORMANCE | {"adr:security-headers"},
    "MalformedMediaType": RESPONSE_CONFORMANCE,
    "MissingHeaders": RESPONSE_CONFORMANCE,
    "JsonSchemaError": RESPONSE_CONFORMANCE,
    "MalformedJson": RESPONSE_CONFORMANCE,
    "ContentDeserializationError": RESPONSE_CONFORMANCE,
    "AcceptedNegativeData": {"api:negative_data_rejection", "adr:invalid-input-400"},
    "RejectedPositiveData": {"api:positive_data_acceptance", "adr:invalid-input-400"},
    "MissingHeaderNotRejected": {
        "api:missing_required_header",
        "api:ignored_auth",
        "sec:missing-token",
    },
    "UnsupportedMethodResponse": {"api:unsupported_method", "adr:http-methods-405"},
    "AllowHeaderMismatch": {"api:allow_header_conformance", "adr:http-methods-405"},
    "UseAfterFree": {"api:use_after_free"},
    "EnsureResourceAvailability": {"api:ensure_resource_availability", "api:read-after-create"},
    "IgnoredAuth": {"api:ignored_auth", "sec:missing-token"},
    "ObjectLevelAuthorizationViolation": {"api:object_level_authorization", "sec:bola"},
}


@dataclass(frozen=True, slots=True)
class Found:
    kind: str  # Schemathesis failure type, or our check id
    operations: tuple[str, ...] = ()


@dataclass(slots=True)
class Comparison:
    flaw: str
    cli: list[Found] = field(default_factory=list)
    ours: set[str] = field(default_factory=set)  # check ids that failed
    missed: list[Found] = field(default_factory=list)  # found by the CLI, not by us
    extra: set[str] = field(default_factory=set)  # failed checks of ours with no CLI finding
    cli_seconds: float = 0.0
    our_seconds: float = 0.0


def cli_failures(
    spec: Path, base_url: str, seed: int, max_examples: int, out: Path
) -> tuple[list[Found], float]:
    """What ``schemathesis run --checks all`` found (from its JSON report), and its time."""
    command = [
        *SCHEMATHESIS,
        "run",
        str(spec),
        "--url",
        base_url,
        "--checks",
        "all",
        "--seed",
        str(seed),
        "--max-examples",
        str(max_examples),
        "--header",
        f"Authorization: Bearer {TOKEN}",
        "--report",
        "json",
        "--report-dir",
        str(out),
        "--no-color",
    ]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    seconds = time.monotonic() - started
    reports = sorted(out.glob("*.json"))
    assert reports, f"schemathesis wrote no report (exit {done.returncode}): {done.stderr[-2000:]}"
    data = json.loads(reports[-1].read_text(encoding="utf-8"))
    found = [Found(item["type"], tuple(item.get("operations") or ())) for item in data["failures"]]
    return found, seconds


def our_failures(spec: Path, base_url: str, seed: int, max_examples: int, home: Path) -> RunReport:
    return run(
        RunConfig(
            spec=load_spec(spec),
            base_url=base_url,
            subjects=credentials(),
            seed=seed,
            max_examples=max_examples,
            hypothesis_dir=home,
        )
    )


def failed_checks(report: RunReport) -> set[str]:
    failed = {check.id for check in report.checks if check.outcome is Outcome.FAILED}
    for result in report.requirements:
        failed |= {item.check for item in result.failures}
    return failed


def compare(
    flaw: str, tmp_path: Path, *, seed: int = 7, max_examples: int = 5, spec: Path | None = None
) -> Comparison:
    spec = spec or TARGET_DIR / "openapi.yaml"
    comparison = Comparison(flaw)
    flaws = (flaw,) if flaw else ()
    with serve_tasks(*flaws) as (base_url, _app):
        comparison.cli, comparison.cli_seconds = cli_failures(
            spec, base_url, seed, max_examples, tmp_path / f"cli-{flaw or 'reference'}"
        )
    with serve_tasks(*flaws) as (base_url, _app):
        started = time.monotonic()
        report = our_failures(spec, base_url, seed, max_examples, tmp_path / "hypothesis")
        comparison.our_seconds = time.monotonic() - started
    comparison.ours = failed_checks(report)
    covered: set[str] = set()
    for found in comparison.cli:
        equivalent = EQUIVALENT.get(found.kind)
        matched = comparison.ours & equivalent if equivalent else comparison.ours
        if not matched:
            comparison.missed.append(found)
        covered |= matched
    comparison.extra = comparison.ours - covered
    return comparison
