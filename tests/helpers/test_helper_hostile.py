"""support.hostile: the hostile servers as processes, the child environment, report reading."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import jsonschema
import pytest
from support.hostile import (
    cli_startup_seconds,
    environment,
    hostile_process,
    hostile_server,
    read_report,
    run_command,
)
from support.sample_reports import make_report

from conformance.results.io import write_report


def test_children_import_the_checkouts_fixtures_first() -> None:
    env = environment()
    first = env["PYTHONPATH"].split(os.pathsep)[0]
    assert (Path(first) / "fixtures" / "hostile").is_dir()
    assert env["NO_COLOR"] == "1" and env["PYTHONUNBUFFERED"] == "1"


def test_no_report_is_none(tmp_path: Path) -> None:
    assert read_report(tmp_path) is None


def test_a_report_is_read_back(tmp_path: Path) -> None:
    report = make_report()
    write_report(report, tmp_path)
    read = read_report(tmp_path)
    assert read is not None and read.to_dict() == report.to_dict()


def test_a_report_off_its_schema_is_refused(tmp_path: Path) -> None:
    (tmp_path / "report.json").write_text('{"verdict": "maybe"}', encoding="utf-8")
    with pytest.raises(jsonschema.ValidationError):
        read_report(tmp_path)


@pytest.mark.slow
def test_a_server_answers_until_its_context_ends() -> None:
    with hostile_process("conformant") as (base_url, process):
        assert base_url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{base_url}/items", timeout=10).status_code == 200
    assert process.poll() is not None  # killed and reaped
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/items", timeout=5)


@pytest.mark.slow
def test_a_server_that_cannot_start_says_so() -> None:
    with pytest.raises(AssertionError, match="did not start"), hostile_server("no-such-server"):
        pass


@pytest.mark.slow
def test_startup_is_measured(tmp_path: Path) -> None:
    assert 0 < cli_startup_seconds(tmp_path) < 120


def test_the_run_command_carries_its_budgets(tmp_path: Path) -> None:
    command = run_command(
        Path("openapi.yaml"),
        "http://127.0.0.1:1/api/v1",
        tmp_path,
        max_time=2.5,
        request_timeout=1,
        seed=7,
        max_examples=3,
    )
    options = dict(zip(command[4::2], command[5::2], strict=True))
    assert command[1:4] == ["-m", "conformance", "run"]
    assert options == {
        "--spec": "openapi.yaml",
        "--base-url": "http://127.0.0.1:1/api/v1",
        "--max-time": "2.5",
        "--request-timeout": "1",
        "--seed": "7",
        "--max-examples": "3",
        "--report-dir": str(tmp_path),
    }
