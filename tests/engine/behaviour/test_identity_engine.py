"""The identity checks inside a real engine run: the catalogue profile's bb:identity
requirements pass on the reference, and a mutant's requirement fails with redacted evidence
(the request, the answer and a curl command) that names the check."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from identity_check_support import SEED, serve_identity

from conformance.client.credentials import Subjects
from conformance.engine.config import RunConfig
from conformance.engine.running.runner import run
from conformance.reports.certification import certify
from conformance.reports.html import render_html
from conformance.results import Outcome, RunReport, validate_report
from conformance.spec.catalog import resolve_block
from fixtures.mutants.identity_catalog import BY_CHECK

pytestmark = pytest.mark.slow


def _run(base_url: str, tmp_path: Path, requirement: str | None = None) -> RunReport:
    profile, spec = resolve_block("identity")
    if requirement is not None:
        kept = tuple(item for item in profile.requirements if item.id == requirement)
        profile = dataclasses.replace(profile, requirements=kept)
    return run(
        RunConfig(
            spec=spec,
            base_url=base_url,
            profile=profile,
            subjects=Subjects(),
            seed=SEED,
            phases=(),
            hypothesis_dir=tmp_path / "hypothesis",
        )
    )


def test_every_behaviour_requirement_passes_on_the_reference(tmp_path: Path) -> None:
    with serve_identity(tmp_path) as base_url:
        report = _run(base_url, tmp_path)
    validate_report(report.to_dict())
    behaviour = [
        item
        for item in report.requirements
        if item.checks and all(check.startswith("bb:identity:") for check in item.checks)
    ]
    assert len(behaviour) >= 20
    not_passed = {item.id: item.reason for item in behaviour if item.outcome is not Outcome.PASSED}
    assert not not_passed
    for item in report.checks:
        if item.id.startswith("bb:identity:"):
            assert item.outcome is Outcome.PASSED, (item.id, item.reason)
    # A login that succeeded is evidence too: each of its requests, redacted.
    logins = [login for item in report.requirements for login in item.logins]
    assert logins, "no requirement shows the logins its checks made"
    for login in logins:
        assert login.driver == "test-login" and login.steps
    done = [login for login in logins if login.outcome.endswith("with a code")]
    assert done
    for login in done:
        last = login.steps[-1]
        assert last.request.method == "GET" and "login_hint=" in last.request.url
        assert last.response is not None and last.response.status in (302, 303)
        location = {k.lower(): v for k, v in last.response.headers.items()}["location"]
        assert "code=[REDACTED]" in location, location
    html = render_html(report, certify(report))
    assert 'id="logins"' in html and "login_hint=" in html


def test_a_mutant_fails_its_requirement_with_redacted_evidence(tmp_path: Path) -> None:
    mutant = BY_CHECK["bb:identity:pkce-required"]
    with serve_identity(tmp_path, mutant) as base_url:
        report = _run(base_url, tmp_path, mutant.requirement)
    validate_report(report.to_dict())
    result = report.requirement(mutant.requirement)
    assert result.outcome is Outcome.FAILED
    evidence = result.failures[0]
    assert evidence.check == "bb:identity:pkce-required"
    assert evidence.operation_id == "authorize"
    assert evidence.request is not None and evidence.response is not None
    assert evidence.curl is not None and evidence.curl.startswith("curl")
    location = {k.lower(): v for k, v in evidence.response.headers.items()}["location"]
    assert "code=[REDACTED]" in location, location
    text = json.dumps(report.to_dict())
    assert "eyJ" not in text, "a JWT (token or client assertion) leaked into the report"
