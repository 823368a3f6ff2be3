"""adr:no-sensitive-uris: no BSN in a URI the spec declares or a response hands out."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from tasks_target import TARGET, credentials, serve_tasks

from conformance.engine.checks.active import ActiveContext
from conformance.engine.checks.sensitive_uris import no_sensitive_uris, response_issues, uri_issues
from conformance.engine.openapi.operations import list_operations
from conformance.engine.running.runner import RunConfig, run
from conformance.httplimits import HttpClient
from conformance.results import Outcome, RunReport
from conformance.spec import LoadedSpec

BSN = TARGET.OWNER_BSN  # synthetic, passes the 11-proef


def run_fuzzing(spec: LoadedSpec, tmp_path: Path, *flaws: str) -> RunReport:
    with serve_tasks(*flaws) as (base_url, _app):
        return run(
            RunConfig(
                spec=spec,
                base_url=base_url,
                subjects=credentials(),
                seed=11,
                max_examples=5,
                phases=("fuzzing",),
                hypothesis_dir=tmp_path / "hypothesis",
            )
        )


@pytest.mark.slow
def test_conformant_target_passes(tasks_spec: LoadedSpec, tmp_path: Path) -> None:
    report = run_fuzzing(tasks_spec, tmp_path)
    result = report.requirement("GDI-GEN-016")
    assert result.outcome is Outcome.PASSED, result.failures
    # every operation judged in the spec, the readable ones and the Locations of new tasks
    assert result.cases > len(report.operations)


@pytest.mark.slow
def test_bsn_in_a_location_header_fails(tasks_spec: LoadedSpec, tmp_path: Path) -> None:
    report = run_fuzzing(tasks_spec, tmp_path, "bsn-in-location")
    result = report.requirement("GDI-GEN-016")
    assert result.outcome is Outcome.FAILED
    failure = result.failures[0]
    assert failure.check == "adr:no-sensitive-uris"
    assert failure.operation == "POST /tasks" and failure.phase == "fuzzing"
    assert "Location header" in failure.message and "eigenaar" in failure.message
    assert failure.response is not None and failure.response.status == 201


def _spec_with_bsn_parameter(spec: LoadedSpec) -> dict:
    document = copy.deepcopy(spec.bundled)
    document["paths"]["/tasks"]["get"]["parameters"].append(
        {"name": "burgerservicenummer", "in": "query", "schema": {"type": "string"}}
    )
    document["paths"]["/owners/{ownerBsn}"] = {
        "get": {
            "operationId": "getOwner",
            "parameters": [
                {"name": "ownerBsn", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {"404": {"description": "no such owner"}},
        }
    }
    return document


@pytest.mark.parametrize("broken", [False, True])
@pytest.mark.slow
def test_spec_with_a_bsn_parameter_fails(tasks_spec: LoadedSpec, broken: bool) -> None:
    document = _spec_with_bsn_parameter(tasks_spec) if broken else tasks_spec.bundled
    with serve_tasks() as (base_url, _app), HttpClient(timeout=5, max_response_bytes=10**6) as http:
        context = ActiveContext(
            base_url=base_url,
            document=document,
            api_version="1.2.0",
            operations=list_operations(document),
            subjects=credentials(),
            http=http,
            exchanges=None,
        )
        observations = list(no_sensitive_uris(context))
    failed = {o.operation.label: o.message for o in observations if o.outcome is Outcome.FAILED}
    if not broken:
        assert failed == {}
        assert len(observations) > len(context.operations)  # the spec, and GETs sent
        return
    assert set(failed) == {"GET /tasks", "GET /owners/{ownerBsn}"}
    assert "query parameter 'burgerservicenummer'" in failed["GET /tasks"]
    assert "{ownerBsn}" in failed["GET /owners/{ownerBsn}"]


def test_uri_issues() -> None:
    assert uri_issues(f"/tasks/v1/tasks/1?eigenaar={BSN}") == [
        "query parameter 'eigenaar' holds a BSN-like number"
    ]
    assert uri_issues("/personen?bsn=1") == ["query parameter 'bsn'"]
    assert uri_issues(f"https://x.example/personen/{BSN}/adres")[0].startswith("the path holds")
    # nine digits failing the 11-proef, ten digits, and a number the client sent itself
    assert uri_issues("/orders/123456789") == []
    assert uri_issues(f"/orders/{BSN}0") == []
    assert uri_issues(f"/items/{BSN}", sent=f"/items/{BSN}") == []


def test_response_issues_look_in_headers_and_links() -> None:
    body = json.dumps({"_links": {"self": {"href": f"/personen/{BSN}"}}, "name": BSN}).encode()
    issues = response_issues({}, body, "application/hal+json", sent="/personen")
    assert issues == [
        f"the body gives a URI in which the path holds a BSN-like number ({BSN[:3]}…)"
    ]
    # a BSN as a plain value in a body is not a URI, and is fine
    plain = json.dumps({"burgerservicenummer": BSN}).encode()
    assert response_issues({}, plain, "application/json", sent="") == []
    link = {"link": f'</personen?bsn={BSN}>; rel="next"'}
    assert response_issues(link, b"", "", sent="") == [
        "the Link header gives a URI in which query parameter 'bsn'"
    ]
