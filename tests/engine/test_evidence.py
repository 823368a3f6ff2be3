"""Nothing passes without evidence: targets that answer every request alike, and specs with
nothing to test, never make a run conformant; each requirement says why it was not executed.

A target that answers only 401 (a wrong token), only 404 (a wrong base path) or only 500 is run
under the generic profile and under each block's profile; none may conclude that the
implementation conforms, and what only the operations themselves could show is ``not executed``
with its reason in plain words.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from mutant_support import SEED, identity_service, serve_block
from mutant_support import subjects as messaging_subjects
from support.services import serve_asgi
from tasks_target import TARGET_DIR, credentials, run_arguments, serve_tasks

from conformance.cli import main as cli_main
from conformance.engine.profile import generic_profile
from conformance.engine.running.assessment import not_applicable as runner_not_applicable
from conformance.engine.running.runner import RunConfig, run
from conformance.engine.verdict.assess import diagnose
from conformance.engine.verdict.facts import (
    CREATED_THEN_READ,
    NEGATIVE_VALIDATED,
    POSITIVE_REACHED,
    REACHED,
    SECURED_SUCCESS,
    Facts,
    spec_secures_an_operation,
)
from conformance.reports.certification import CertificationVerdict, certify
from conformance.reports.html import render_html
from conformance.reports.junit import junit_xml
from conformance.results import Outcome, RunReport, Verdict, read_report, validate_report
from conformance.spec import load_spec
from conformance.spec.catalog import resolve_block

UNIFORM_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "targets" / "uniform"
# What only an answer from the operation itself can show (not a 401, 404 or 500 to everything).
NEEDS_THE_OPERATION = {
    "api:positive_data_acceptance",
    "api:ignored_auth",
    "api:ensure_resource_availability",
    "adr:invalid-input-400",
}
DIAGNOSIS = {
    401: "every request was answered 401: check the credentials",
    404: "every request was answered 404: check the base URL",
    500: "every request was answered 500: the implementation fails every request",
}


def _uniform() -> ModuleType:
    spec = importlib.util.spec_from_file_location("uniform_target", UNIFORM_DIR / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


UNIFORM = _uniform()


@pytest.fixture
def uniform(request: pytest.FixtureRequest) -> Iterator[str]:
    with serve_asgi(UNIFORM.create_app(request.param)) as origin:
        yield origin + "/any/v1"


def _run_uniform(base_url: str, profile_name: str, tmp_path: Path) -> RunReport:
    # The tasks spec has no examples: its cases come from the coverage phase; the blocks'
    # specs have examples, enough to show what every answer was.
    phases = ("coverage",)
    if profile_name == "generic":
        profile, spec = generic_profile(), load_spec(TARGET_DIR / "openapi.yaml")
    else:
        profile, spec = resolve_block(profile_name)
        phases = ("examples",)
    return run(
        RunConfig(
            spec=spec,
            base_url=base_url,
            profile=profile,
            subjects=credentials(),
            seed=3,
            max_examples=1,
            phases=phases,
            hypothesis_dir=tmp_path / "hypothesis",
        )
    )


@pytest.mark.slow
@pytest.mark.parametrize("profile_name", ["generic", "identity", "messaging", "registries"])
@pytest.mark.parametrize("uniform", [401, 404, 500], indirect=True, ids=lambda s: f"only-{s}")
def test_a_target_answering_one_status_to_everything_is_never_conformant(
    uniform: str, profile_name: str, tmp_path: Path
) -> None:
    report = _run_uniform(uniform, profile_name, tmp_path)
    validate_report(report.to_dict())
    assert report.verdict is not Verdict.CONFORMANT
    assert certify(report).verdict is not CertificationVerdict.CERTIFIED
    for check in report.checks:
        if check.id in NEEDS_THE_OPERATION:
            assert check.outcome is not Outcome.PASSED, check
            assert check.evidence_cases == 0, check
    for result in report.requirements:
        if result.outcome is Outcome.PASSED:
            assert result.evidence_cases > 0, result
    unexecuted = [r for r in report.requirements if r.outcome is Outcome.SKIPPED]
    assert unexecuted and all(r.reason for r in unexecuted)


@pytest.mark.parametrize("uniform", [401, 404], indirect=True, ids=lambda s: f"only-{s}")
@pytest.mark.slow
def test_the_reason_says_what_every_answer_had_in_common(uniform: str, tmp_path: Path) -> None:
    report = _run_uniform(uniform, "generic", tmp_path)
    status = 401 if "401" in {c for op in report.operations for c in op.status_codes} else 404
    # (GDI-GEN-009 fails on 404s: the spec does not declare a 404 for every operation.)
    for ident in ("GDI-GEN-003", "GDI-GEN-011", "GDI-GEN-013", "GDI-GEN-014"):
        result = report.requirement(ident)
        assert result.outcome is Outcome.SKIPPED, result
        assert (result.reason or "").startswith(DIAGNOSIS[status]), result.reason
        assert result.evidence_cases == 0 < result.cases
    assert report.verdict is not Verdict.CONFORMANT


@pytest.mark.parametrize("uniform", [401], indirect=True, ids=["only-401"])
@pytest.mark.slow
def test_the_console_shows_why_a_must_was_not_executed(
    uniform: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = ["--max-examples", "1", "--seed", "3", "--report-dir", str(tmp_path)]
    code = cli_main(run_arguments(uniform, *options))
    out = capsys.readouterr().out
    assert code == 1
    assert "not executed: GDI-GEN-011: every request was answered 401: check the credentials" in out
    report = read_report(tmp_path / "report.json")
    result = report.requirement("GDI-GEN-011")
    assert result.outcome is Outcome.SKIPPED and result.evidence_cases == 0 < result.cases


@pytest.mark.slow
def test_wrong_token_against_a_conformant_target_is_not_conformant(tmp_path: Path) -> None:
    with serve_tasks() as (base_url, _app):
        wrong = ["--header", "Authorization: Bearer not-the-token-0123456789"]
        arguments = ["run", "--spec", str(TARGET_DIR / "openapi.yaml"), "--base-url", base_url]
        code = cli_main(
            [*arguments, *wrong, "--max-examples", "2", "--report-dir", str(tmp_path / "wrong")]
        )
        missing = cli_main(
            [*arguments, "--max-examples", "2", "--report-dir", str(tmp_path / "none")]
        )
    assert (code, missing) == (1, 1)
    for name in ("wrong", "none"):
        report = read_report(tmp_path / name / "report.json")
        assert report.verdict is Verdict.INCONCLUSIVE
        for ident in ("GDI-GEN-011", "GDI-GEN-013", "GDI-GEN-014"):
            result = report.requirement(ident)
            assert result.outcome is Outcome.SKIPPED, (name, result)
            assert "check the credentials" in (result.reason or "")


HOOKS_ONLY = {
    "openapi": "3.1.0",
    "info": {"title": "Hooks only", "version": "1.0.0"},
    "paths": {},
    "webhooks": {
        "taskCreated": {
            "post": {
                "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": {"description": "received"}},
            }
        }
    },
}


@pytest.mark.slow
def test_a_spec_without_operations_is_not_executed(tmp_path: Path) -> None:
    path = tmp_path / "hooks.yaml"
    path.write_text(yaml.safe_dump(HOOKS_ONLY), encoding="utf-8")
    with serve_tasks() as (base_url, _app):
        report = run(
            RunConfig(
                spec=load_spec(path),
                base_url=base_url,
                subjects=credentials(),
                seed=2,
                max_examples=2,
                hypothesis_dir=tmp_path / "hypothesis",
            )
        )
        code = cli_main(
            ["run", "--spec", str(path), "--base-url", base_url, "--report-dir", str(tmp_path)]
        )
    assert code == 1
    assert report.verdict is not Verdict.CONFORMANT
    for result in report.requirements:
        if result.id == "GDI-GEN-006":  # the target publishes another spec: a real failure
            continue
        assert result.outcome is Outcome.SKIPPED, result
        assert result.reason == "the spec declares no operation to test", result


@pytest.mark.slow
def test_a_pass_needs_evidence_for_each_check(tmp_path: Path) -> None:
    # Only the examples phase: no stateful sequence, so no read ever follows a DELETE.
    with serve_tasks() as (base_url, _app):
        report = run(
            RunConfig(
                spec=load_spec(TARGET_DIR / "openapi.yaml"),
                base_url=base_url,
                subjects=credentials(),
                seed=2,
                max_examples=2,
                phases=("examples",),
                hypothesis_dir=tmp_path / "hypothesis",
            )
        )
    result = report.requirement("GDI-GEN-014")
    assert result.outcome is not Outcome.PASSED or result.evidence_cases > 0
    check = report.check("api:use_after_free")
    assert check.precondition == "a request on a resource after its successful DELETE"
    if check.outcome is Outcome.SKIPPED:
        assert "no resource was requested again after a successful DELETE" in (check.reason or "")


@pytest.mark.slow
def test_a_vendor_independent_requirement_is_shown_but_not_scored(tmp_path: Path) -> None:
    profile, spec = resolve_block("messaging")
    lint = next(r for r in profile.requirements if r.checks == ("lint:adr",))
    with serve_asgi(UNIFORM.create_app(200)) as origin:
        report = run(
            RunConfig(
                spec=spec,
                base_url=origin + "/messaging/v1",
                profile=profile,
                subjects=credentials(),
                seed=1,
                max_examples=1,
                phases=("examples",),
                hypothesis_dir=tmp_path / "hypothesis",
            )
        )
    result = report.requirement(lint.id)
    assert result.vendor_independent and result.outcome is Outcome.PASSED
    assert not any(r.vendor_independent for r in report.requirements if r.id != lint.id)
    counted = sum(report.summary.requirements.values())
    assert counted == len(report.requirements) - 1
    # Failed, it would not count against the implementation either.
    result.outcome = Outcome.FAILED
    certification = certify(report)
    assert lint.id not in " ".join(certification.reasons)


@pytest.fixture(scope="module")
def reference_messaging(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(identity URL, messaging base URL) of the reference blocks."""
    with identity_service(tmp_path_factory.mktemp("identity")) as identity_url:
        directory = tmp_path_factory.mktemp("messaging")
        with serve_block("messaging", directory, identity_url=identity_url) as base_url:
            yield identity_url, base_url


@pytest.mark.slow
@pytest.mark.parametrize("token", ["wrong", "none"])
def test_reference_messaging_without_a_valid_token_is_not_conformant(
    reference_messaging: tuple[str, str],
    token: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, base_url = reference_messaging
    spec = str(Path(resolve_block("messaging")[1].path))
    arguments = ["run", "--spec", spec, "--base-url", base_url, "--max-examples", "2"]
    if token == "wrong":
        arguments += ["--header", "Authorization: Bearer not-a-token-of-this-identity-block"]
    code = cli_main([*arguments, "--seed", "8", "--report-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    report = read_report(tmp_path / "report.json")
    assert report.verdict is Verdict.INCONCLUSIVE
    # GET /openapi.json is open to everyone (its answers are evidence); no secured operation
    # answered anything but 401.
    for ident in ("GDI-GEN-013", "GDI-GEN-014"):
        result = report.requirement(ident)
        assert result.outcome is Outcome.SKIPPED, result
        assert result.evidence_cases == 0 < result.cases
        assert (result.reason or "").startswith(
            "every request to a secured operation was answered 401: check the credentials"
        ), result.reason
    assert "not executed: GDI-GEN-013: every request to a secured operation was answered 401" in out


@pytest.mark.slow
def test_run_bb_messaging_with_a_wrong_base_path(
    reference_messaging: tuple[str, str], tmp_path: Path
) -> None:
    identity_url, base_url = reference_messaging
    wrong = base_url.replace("/messaging/v1", "/berichten/v1")
    profile, spec = resolve_block("messaging")
    report = run(
        RunConfig(
            spec=spec,
            base_url=wrong,
            profile=profile,
            subjects=messaging_subjects("messaging", identity_url),
            seed=SEED,
            max_examples=2,
            hypothesis_dir=tmp_path / "hypothesis",
        )
    )
    assert report.verdict is Verdict.NOT_CONFORMANT
    reasons = {
        "GDI-MSG-003": "no invalid input reached validation",
        "GDI-MSG-028": "no 201 was ever returned",
        "GDI-MSG-008": "no response carried a date or date-time",
    }
    for ident, why in reasons.items():
        result = report.requirement(ident)
        assert result.outcome is Outcome.SKIPPED, result
        assert why in (result.reason or ""), result.reason
        assert "every request was answered 404: check the base URL" in (result.reason or "")


@pytest.mark.slow
def test_every_report_shows_cases_sent_and_cases_that_were_evidence(tmp_path: Path) -> None:
    with serve_tasks() as (base_url, _app):
        report = run(
            RunConfig(
                spec=load_spec(TARGET_DIR / "openapi.yaml"),
                base_url=base_url,
                subjects=credentials(),
                seed=2,
                max_examples=2,
                hypothesis_dir=tmp_path / "hypothesis",
            )
        )
    result = report.requirement("GDI-GEN-003")
    assert 0 < result.evidence_cases < result.cases
    data = report.to_dict()
    validate_report(data)
    assert data["requirements"][2]["evidence_cases"] == result.evidence_cases
    certification = certify(report)
    html = render_html(report, certification)
    row = html[html.index('id="req-GDI-GEN-003"') :]
    row = row[: row.index("</tr>")]
    assert f'<td class="num">{result.cases}</td>' in row
    assert f'<td class="num">{result.evidence_cases}</td>' in row
    junit = junit_xml(report, certification).decode()
    assert f'name="GDI-GEN-003.cases" value="{result.cases}"' in junit
    assert f'name="GDI-GEN-003.evidence_cases" value="{result.evidence_cases}"' in junit


@pytest.mark.parametrize(
    ("statuses", "said"),
    [
        ({"401": 9, "405": 2}, "every request was answered 401: check the credentials"),
        ({"401": 3, "403": 4}, "every request was answered 401 or 403: check the credentials"),
        ({"404": 7}, "every request was answered 404: check the base URL"),
        ({"500": 2, "503": 1}, "every request was answered 500, 503: the implementation fails"),
        ({}, "no request got an answer"),
        ({"200": 1, "401": 5}, None),
    ],
)
def test_what_every_answer_had_in_common(statuses: dict[str, int], said: str | None) -> None:
    found = diagnose(Counter(statuses))
    assert (found is None) if said is None else (found or "").startswith(said)


def _facts(**changes: object) -> Facts:
    values: dict[str, object] = {
        "method": "GET",
        "declared": True,
        "status": 200,
        "negative": False,
        "secured": True,
        "created_then_read": False,
        "deleted_then_read": False,
    }
    values.update(changes)
    return Facts(**values)  # type: ignore[arg-type]


def test_preconditions_say_which_exchanges_are_evidence() -> None:
    assert REACHED.met(_facts()) and not REACHED.met(_facts(status=401))
    assert not REACHED.met(_facts(declared=False, status=405))
    assert NEGATIVE_VALIDATED.met(_facts(negative=True, status=400))
    assert not NEGATIVE_VALIDATED.met(_facts(negative=True, status=401))
    assert not NEGATIVE_VALIDATED.met(_facts(negative=False, status=400))
    assert POSITIVE_REACHED.met(_facts(status=201)) and not POSITIVE_REACHED.met(_facts(status=500))
    assert SECURED_SUCCESS.met(_facts()) and not SECURED_SUCCESS.met(_facts(secured=False))
    assert CREATED_THEN_READ.met(_facts(created_then_read=True))
    assert not CREATED_THEN_READ.met(_facts())


@pytest.mark.parametrize(
    ("security", "secured"),
    [
        ({}, False),  # no security anywhere: nothing to authenticate
        ({"op": [{}]}, False),  # anonymous access allowed
        ({"op": [{"bearer": []}]}, True),
        ({"doc": [{"bearer": []}], "op": []}, False),  # the operation opts out
        ({"doc": [{"bearer": []}]}, True),  # the document's requirement applies
    ],
)
def test_security_checks_apply_only_where_the_spec_secures_something(
    security: dict[str, list[dict[str, list[str]]]], secured: bool
) -> None:
    operation: dict[str, object] = {"responses": {"200": {"description": "ok"}}}
    if "op" in security:
        operation["security"] = security["op"]
    document: dict[str, object] = {"openapi": "3.0.3", "paths": {"/a": {"get": operation}}}
    if "doc" in security:
        document["security"] = security["doc"]
    assert spec_secures_an_operation(document) is secured
    not_applicable = runner_not_applicable(document)
    assert ("api:ignored_auth" in not_applicable) is not secured
