"""run --shard I/N: a deterministic split by path, shard reports that merge into the whole run."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from tasks_target import TARGET_DIR, credentials, run_arguments, serve_tasks

from conformance.cli import main as cli_main
from conformance.engine.config import RunConfig
from conformance.engine.fuzzing.sharding import (
    Shard,
    shard_generated_operations,
    shard_operations,
    split_paths,
)
from conformance.engine.openapi.operations import OperationInfo
from conformance.engine.running.runner import run
from conformance.reports.certificate import report_digest, verify_certificate
from conformance.reports.certification import CertificationVerdict, certify
from conformance.reports.merge import MergeError, merge_reports
from conformance.reports.signing import load_public_key
from conformance.results import Outcome, RunReport, Verdict, read_report, validate_report
from conformance.spec import LoadedSpec

ALL_OPERATIONS = {
    "GET /tasks",
    "POST /tasks",
    "GET /tasks/{taskId}",
    "PATCH /tasks/{taskId}",
    "DELETE /tasks/{taskId}",
}


def _operation(method: str, path: str) -> OperationInfo:
    return OperationInfo(method, path, None, ("200",), ())


def test_split_is_by_path_deterministic_and_balanced() -> None:
    operations = [_operation("GET", f"/r{i}") for i in range(7)]
    operations += [_operation(method, "/big") for method in ("GET", "POST", "PUT", "DELETE")]
    shards = split_paths(operations, 3)
    assert shards == split_paths(list(reversed(operations)), 3)  # independent of spec order
    flat = [path for paths in shards for path in paths]
    assert sorted(flat) == sorted({operation.path for operation in operations})  # each once
    loads = [sum(1 for op in operations if op.path in paths) for paths in shards]
    assert max(loads) - min(loads) <= 1, loads
    # All operations of one path land in one shard.
    assert [op.method for op in shard_operations(operations, Shard(1, 3)) if op.path == "/big"] == [
        "GET",
        "POST",
        "PUT",
        "DELETE",
    ]


def test_generation_is_split_by_operation_even_within_a_path() -> None:
    operations = [_operation(method, "/big") for method in ("GET", "POST", "PUT", "DELETE")]
    operations.append(_operation("GET", "/small"))
    shards = [shard_generated_operations(operations, Shard(index, 3)) for index in (1, 2, 3)]
    labels = [[operation.label for operation in shard] for shard in shards]
    assert sorted(label for part in labels for label in part) == sorted(
        operation.label for operation in operations
    )  # each once
    assert [len(part) for part in labels] == [2, 2, 1]
    assert labels == [
        [op.label for op in shard_generated_operations(list(reversed(operations)), Shard(i, 3))][
            ::-1
        ]
        for i in (1, 2, 3)
    ]  # the same split whatever the spec's order


@pytest.mark.parametrize("count", [1, 2, 3, 7])
@pytest.mark.parametrize("max_examples", [1, 5, 25, 100])
def test_stateful_scenarios_are_shared_out_with_seeds_of_their_own(
    count: int, max_examples: int
) -> None:
    shards = [Shard(index, count) for index in range(1, count + 1)]
    shares = [shard.stateful_share(max_examples) for shard in shards]
    assert min(shares) >= 1 and max(shares) - min(shares) <= 1
    assert sum(shares) == max(max_examples, count)  # every shard runs at least one scenario
    seeds = [shard.stateful_seed(42) for shard in shards]
    assert seeds[0] == 42  # shard 1/1 is the plain run
    assert len(set(seeds)) == count and all(0 <= seed < 2**32 for seed in seeds)
    assert seeds == [shard.stateful_seed(42) for shard in shards]  # deterministic


@pytest.mark.parametrize("text", ["0/2", "3/2", "1/0", "a/b", "2", "1/2/3"])
def test_bad_shard_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="INDEX"):
        Shard.parse(text)


def test_cli_bad_shard_exits_2(capsys) -> None:
    spec = str(TARGET_DIR / "openapi.yaml")
    arguments = ["--spec", spec, "--base-url", "http://127.0.0.1:9/x/v1", "--shard", "3/2"]
    assert cli_main(["run", *arguments]) == 2
    assert "--shard" in capsys.readouterr().err


def _shard_runs(spec: LoadedSpec, tmp_path: Path, count: int, *flaws: str) -> list[RunReport]:
    reports = []
    with serve_tasks(*flaws) as (base_url, _app):  # one target, as CI runners would share
        for index in range(1, count + 1):
            reports.append(
                run(
                    RunConfig(
                        spec=spec,
                        base_url=base_url,
                        subjects=credentials(),
                        seed=7,
                        max_examples=5,
                        hypothesis_dir=tmp_path / f"hypothesis-{index}",
                        shard=Shard(index, count),
                    )
                )
            )
    return reports


@pytest.mark.slow
def test_shards_cover_the_api_once_and_merge_into_a_conformant_run(
    tasks_spec: LoadedSpec, tmp_path: Path
) -> None:
    reports = _shard_runs(tasks_spec, tmp_path, 2)
    for index, report in enumerate(reports, start=1):
        validate_report(report.to_dict())
        assert report.shard is not None and (report.shard.index, report.shard.count) == (index, 2)
        assert report.summary.cases > 0
    first, second = (set(report.shard.operations) for report in reports if report.shard)
    assert first | second == ALL_OPERATIONS and not first & second
    # The unit phases follow the split; the stateful phase (links across paths) is split by
    # scenarios: each shard runs its share over the whole API.
    for report in reports:
        for coverage in report.operations:
            unit = sum(n for phase, n in coverage.cases_by_phase.items() if phase != "stateful")
            assert (unit > 0) == (coverage.operation in set(report.shard.operations)), coverage
        assert any(op.cases_by_phase.get("stateful") for op in report.operations)
        assert {phase.name: phase.status for phase in report.phases}["stateful"] == "passed"
    # API-wide checks run once, in shard 1.
    assert reports[0].check("adr:publish-openapi").outcome is Outcome.PASSED
    assert reports[1].check("adr:publish-openapi").outcome is Outcome.SKIPPED
    assert "shard 1 of 2" in (reports[1].check("adr:publish-openapi").reason or "")
    merged = merge_reports(list(reversed(reports)))
    validate_report(merged.to_dict())
    assert merged.shard is None
    assert merged.completion.complete
    assert merged.verdict is Verdict.CONFORMANT, [
        (r.id, r.outcome, r.reason) for r in merged.requirements if r.outcome is not Outcome.PASSED
    ]
    assert merged.summary.cases == sum(report.summary.cases for report in reports)
    assert {op.operation for op in merged.operations} == ALL_OPERATIONS
    assert {phase.name: phase.status for phase in merged.phases}["stateful"] == "passed"


@pytest.mark.slow
def test_a_flaw_in_one_shard_fails_the_merged_run(tasks_spec: LoadedSpec, tmp_path: Path) -> None:
    # The target answers GET /tasks/{id} without createdAt: shard 1 generates cases for that
    # operation, shard 2 reaches it only through the links of its stateful phase.
    reports = _shard_runs(tasks_spec, tmp_path, 2, "schema-violation")
    assert any(r.requirement("GDI-GEN-009").outcome is Outcome.FAILED for r in reports)
    assert reports[1].shard is not None
    assert "GET /tasks/{taskId}" not in reports[1].shard.operations
    second = reports[1].requirement("GDI-GEN-009").failures
    assert {failure.phase for failure in second} <= {"stateful"}
    merged = merge_reports(reports)
    assert merged.requirement("GDI-GEN-009").outcome is Outcome.FAILED
    assert merged.verdict is Verdict.NOT_CONFORMANT


@pytest.mark.slow
def test_missing_or_repeated_shards(tasks_spec: LoadedSpec, tmp_path: Path) -> None:
    reports = _shard_runs(tasks_spec, tmp_path, 6)
    # Five operations, six shards: the sixth has no operation of its own, only its stateful share.
    assert reports[5].shard is not None and reports[5].shard.operations == []
    assert reports[5].completion.complete
    phases = {phase for op in reports[5].operations for phase in op.cases_by_phase}
    assert phases == {"stateful"}
    partial = merge_reports(reports[:5])
    assert not partial.completion.complete
    assert "shard(s) 6 of 6 not merged" in (partial.completion.reason or "")
    assert partial.verdict is not Verdict.CONFORMANT
    again = RunReport.from_dict({**reports[1].to_dict(), "run_id": "another"})
    with pytest.raises(MergeError, match="shard 2 was given twice"):
        merge_reports([reports[0], reports[1], again])
    whole = RunReport.from_dict({**reports[0].to_dict(), "run_id": "whole", "shard": None})
    with pytest.raises(MergeError, match="some reports are shards"):
        merge_reports([whole, reports[1]])


@pytest.mark.slow
def test_cli_shards_then_merge(tmp_path: Path, capsys) -> None:
    # A CI matrix of one shard per job is green when the implementation is: every shard of a
    # conformant target exits 0, and says it is a part, not a verdict.
    assert cli_main(["keygen", "--out", str(tmp_path / "keys")]) == 0
    with serve_tasks() as (base_url, _app):
        for index in (1, 2):
            options = ["--max-examples", "3", "--seed", "9", "--shard", f"{index}/2"]
            options += ["--report-dir", str(tmp_path / f"shard-{index}")]
            assert cli_main(run_arguments(base_url, *options)) == 0
            out = capsys.readouterr().out
            assert f"PARTIAL (SHARD {index}/2): no failure in this part" in out
    shards = [read_report(tmp_path / f"shard-{index}" / "report.json") for index in (1, 2)]
    assert [(s.shard.index, s.shard.count) for s in shards if s.shard] == [(1, 2), (2, 2)]
    for shard in shards:
        assert shard.verdict is Verdict.PARTIAL
        certification = certify(shard)
        assert certification.verdict is CertificationVerdict.INCOMPLETE
        assert certification.reasons[0].startswith(f"{shard.part}: a part of a run")
    out = tmp_path / "merged" / "report.json"
    out.parent.mkdir()
    paths = [str(tmp_path / f"shard-{index}" / "report.json") for index in (2, 1)]
    key = str(tmp_path / "keys" / "signing-key.pem")
    assert cli_main(["merge", *paths, "--out", str(out), "--signing-key", key]) == 0
    assert "complete, conformant" in capsys.readouterr().out
    merged = json.loads(out.read_text())
    assert merged.get("shard") is None and merged["completion"]["complete"] is True
    assert merged["verdict"] == "conformant"
    assert {op["operation"] for op in merged["operations"]} == ALL_OPERATIONS
    public = load_public_key(tmp_path / "keys" / "signing-key.pub.pem")
    verified = verify_certificate((out.parent / "certificate.json").read_bytes(), public)
    assert verified.verdict == "certified"
    assert verified.payload["run"]["report_sha256"] == report_digest(read_report(out))


@pytest.mark.slow
def test_a_shard_cannot_be_signed(tmp_path: Path, capsys) -> None:
    assert cli_main(["keygen", "--out", str(tmp_path / "keys")]) == 0
    key = str(tmp_path / "keys" / "signing-key.pem")
    with serve_tasks() as (base_url, app):
        options = ["--shard", "1/2", "--signing-key", key, "--report-dir", str(tmp_path / "s")]
        assert cli_main(run_arguments(base_url, *options)) == 2
        assert app.received == []  # refused before anything was sent
    err = capsys.readouterr().err
    assert "a shard is a part of a run, not a verdict" in err and "merge" in err
    assert not (tmp_path / "s").exists()


@pytest.mark.slow
def test_a_shard_exits_1_when_its_part_found_a_failure(tmp_path: Path, capsys) -> None:
    # GET /tasks/{taskId} (without createdAt) is generated in shard 1 only; shard 2 can still
    # reach it through its stateful share, so only shard 1 is sure to find it.
    codes = []
    with serve_tasks("schema-violation") as (base_url, _app):
        for index in (1, 2):
            options = ["--max-examples", "3", "--seed", "9", "--shard", f"{index}/2"]
            options += ["--report-dir", str(tmp_path / f"shard-{index}")]
            codes.append(cli_main(run_arguments(base_url, *options)))
    shards = [read_report(tmp_path / f"shard-{index}" / "report.json") for index in (1, 2)]
    assert codes == [1 if shard.found_failure else 0 for shard in shards]
    assert codes[0] == 1
    assert "PARTIAL (SHARD 1/2): a MUST failed in this part" in capsys.readouterr().out


def _run_with_processes(tmp_path: Path, name: str, *flaws: str) -> tuple[int, Counter, dict]:
    """(exit code, requests the target received, report.json) of ``run --workers 2``."""
    with serve_tasks(*flaws) as (base_url, app):
        options = ["--max-examples", "3", "--seed", "21", "--workers", "2"]
        code = cli_main(run_arguments(base_url, *options, "--report-dir", str(tmp_path / name)))
        received = Counter(app.received)
    return code, received, json.loads((tmp_path / name / "report.json").read_text())


@pytest.mark.slow
def test_workers_run_as_processes_and_merge_into_one_report(tmp_path: Path) -> None:
    code, received, report = _run_with_processes(tmp_path, "first")
    assert code == 0 and sum(received.values()) >= report["summary"]["cases"]
    assert report["shard"] is None and report["budget"]["workers"] == 2
    assert report["completion"]["complete"] and report["verdict"] == "conformant"
    assert {op["operation"] for op in report["operations"]} == ALL_OPERATIONS
    assert report["summary"]["cases"] == sum(op["cases"] for op in report["operations"]) > 0
    code, _, flawed = _run_with_processes(tmp_path, "flawed", "schema-violation")
    assert code == 1 and flawed["verdict"] == "not_conformant"


@pytest.mark.slow
def test_workers_with_an_unreachable_target_exit_2(tmp_path: Path, capsys) -> None:
    arguments = [
        "--spec",
        str(TARGET_DIR / "openapi.yaml"),
        "--base-url",
        "http://127.0.0.1:9/t/v1",
    ]
    code = cli_main(["run", *arguments, "--workers", "2", "--report-dir", str(tmp_path)])
    assert code == 2
    assert "unreachable" in capsys.readouterr().err
    # The report of a run that never started, as one process leaves (no shard was started).
    report = read_report(tmp_path / "report.json")
    assert not report.completion.complete and report.budget.workers == 2
    assert "the target never answered" in (report.completion.reason or "")


@pytest.mark.slow
def test_a_shard_is_deterministic_for_its_seed(tasks_spec: LoadedSpec, tmp_path: Path) -> None:
    # Shards running at once share the target's state (what one creates, another may find),
    # as Schemathesis's threads do; each shard on its own sends the same requests every time.
    sent = []
    for attempt in range(2):
        with serve_tasks() as (base_url, app):
            run(
                RunConfig(
                    spec=tasks_spec,
                    base_url=base_url,
                    subjects=credentials(),
                    seed=5,
                    max_examples=5,
                    hypothesis_dir=tmp_path / f"hypothesis-{attempt}",
                    shard=Shard(2, 2),
                )
            )
            sent.append(Counter(app.received))
    assert sent[0] == sent[1] and sum(sent[0].values()) > 0
