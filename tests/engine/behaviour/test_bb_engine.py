"""The behaviour checks inside an engine run: a mutant's defect fails exactly its requirement,
with redacted evidence and a curl reproduction in the report, and the others pass."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from bb_support import KEYS, serve

from conformance.client.credentials import IdentityClient, Subjects
from conformance.engine.running.runner import RunConfig, run
from conformance.results import Outcome, report_to_json
from conformance.spec.catalog import resolve_block

pytestmark = pytest.mark.slow


def behaviour_only(block: str):  # type: ignore[no-untyped-def]
    """The block's profile cut down to its behaviour requirements and checks (a faster run)."""
    profile, spec = resolve_block(f"{block}@v1")
    requirements = tuple(
        dataclasses.replace(item, checks=tuple(c for c in item.checks if c.startswith("bb:")))
        for item in profile.requirements
        if any(check.startswith("bb:") for check in item.checks)
    )
    return dataclasses.replace(profile, requirements=requirements), spec


def test_a_behaviour_defect_fails_its_requirement_with_evidence(
    identity_url: str, tmp_path: Path
) -> None:
    profile, spec = behaviour_only("registries")
    source = IdentityClient(
        identity_url,
        "gemeente-utrecht",
        KEYS / "gemeente-utrecht.key.pem",
        ("registries:read", "registries:declare"),
    )
    subjects = Subjects({"primary": source})
    with serve(
        "registries", tmp_path / "data", identity_url, "registries_move_forgets_history"
    ) as url:
        report = run(
            RunConfig(
                spec=spec,
                base_url=url,
                profile=profile,
                subjects=subjects,
                seed=11,
                phases=(),
                hypothesis_dir=tmp_path / "hypothesis",
            )
        )
    outcomes = {item.id: item.outcome for item in report.requirements}
    assert outcomes.pop("GDI-REG-023") is Outcome.FAILED
    assert set(outcomes.values()) == {Outcome.PASSED}, outcomes
    failed = next(item for item in report.requirements if item.id == "GDI-REG-023")
    evidence = failed.failures[0]
    assert evidence.check == "bb:registries:move-keeps-history"
    assert evidence.operation_id == "declareMove"
    assert evidence.request is not None and evidence.curl and evidence.curl.startswith("curl ")
    token = source.headers()["Authorization"].split(" ", 1)[1]
    assert token not in report_to_json(report)


def test_a_register_that_shows_a_citizen_anyone_fails_only_the_privacy_requirement(
    identity_url: str, tmp_path: Path
) -> None:
    profile, spec = behaviour_only("registries")
    source = IdentityClient(
        identity_url,
        "gemeente-utrecht",
        KEYS / "gemeente-utrecht.key.pem",
        ("registries:read", "registries:declare"),
    )
    with serve(
        "registries", tmp_path / "data", identity_url, "registries_citizen_reads_anyone"
    ) as url:
        report = run(
            RunConfig(
                spec=spec,
                base_url=url,
                profile=profile,
                subjects=Subjects({"primary": source}),
                seed=7,
                phases=(),
                hypothesis_dir=tmp_path / "hypothesis",
            )
        )
    outcomes = {item.id: item.outcome for item in report.requirements}
    assert outcomes.pop("GDI-REG-029") is Outcome.FAILED
    assert set(outcomes.values()) == {Outcome.PASSED}, outcomes
    failed = next(item for item in report.requirements if item.id == "GDI-REG-029")
    assert {item.check for item in failed.failures} == {"bb:registries:citizen-own-records"}
    evidence = failed.failures[0]
    assert evidence.operation_id == "queryPersons" and evidence.response is not None
    assert evidence.response.status == 200  # the stranger's record was handed out
    assert evidence.curl and evidence.curl.startswith("curl ")
    # The citizen's token is redacted like every other credential.
    assert evidence.request is not None
    assert "REDACTED" in (evidence.request.headers.get("Authorization") or "REDACTED")
    assert "Bearer ey" not in report_to_json(report)
    # The citizen's login is shown with the requirement whose check needed it, step by step.
    logins = failed.logins
    assert logins and {login.driver for login in logins} == {"test-login"}
    assert all(login.check == "bb:registries:citizen-own-records" for login in logins)
    login = logins[0]
    assert login.outcome == "redirected back to the client with a code"
    (step,) = login.steps
    assert step.request.method == "GET" and "login_hint=" in step.request.url
    assert step.response is not None and step.response.status in (302, 303)
    assert "code=[REDACTED]" in step.response.headers["location"]
