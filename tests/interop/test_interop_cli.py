"""``gdi-conformance interop``: one combination by URLs, or every combination of a --config,
with exit codes 0 (all passed), 1 (a scenario failed) and 2 (could not run)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import interop_drivers
import pytest
import yaml
from interop_support import Trio, serve

from conformance.cli import main
from conformance.results import read_report

pytestmark = pytest.mark.slow


def _urls(trio: Trio) -> list[str]:
    return [
        "--identity",
        trio.identity,
        "--registries",
        trio.registries,
        "--messaging",
        trio.messaging,
    ]


def test_three_urls_that_interoperate_exit_0_with_a_report(
    trio: Trio, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["interop", *_urls(trio), "--report-dir", str(tmp_path), "--seed", "5"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "geboorte passed, verhuizing passed" in out
    report = read_report(tmp_path / "report.json")
    assert report.profile.kind == "interop"
    assert (tmp_path / "report.html").is_file()
    assert (tmp_path / "junit.xml").is_file()


def test_a_plugged_in_login_driver_logs_the_citizens_in(
    trio: Trio, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    interop_drivers.LOGGED_IN.clear()
    code = main(
        [
            "interop",
            *_urls(trio),
            "--report-dir",
            str(tmp_path),
            "--login-driver",
            "interop_drivers:counting",
        ]
    )
    assert code == 0, capsys.readouterr().out
    assert len(interop_drivers.LOGGED_IN) == 3  # two parents, one resident


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--login-driver", "no_such_module:drive"], "cannot import no_such_module"),
        (["--login-driver", "no-such-driver"], "no login driver named 'no-such-driver'"),
    ],
)
def test_an_unusable_login_driver_exits_2(
    trio: Trio,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    code = main(["interop", *_urls(trio), "--report-dir", str(tmp_path), *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_a_block_that_does_not_answer_exits_2(
    trio: Trio, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _urls(trio)
    args[args.index("--messaging") + 1] = "http://127.0.0.1:9/messaging/v1"
    code = main(["interop", *args, "--report-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "messaging" in err and "127.0.0.1:9" in err
    assert not (tmp_path / "report.json").exists()


def test_missing_urls_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["interop", "--identity", "http://127.0.0.1:9/identity/v1"])
    assert code == 2
    assert "--registries, --messaging" in capsys.readouterr().err


@pytest.fixture(scope="module")
def broken(trio: Trio, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    data = tmp_path_factory.mktemp("broken")
    with (
        serve(
            "registries", data, identity_url=trio.identity, mutant="birth_not_registered"
        ) as registries,
        serve(
            "messaging", data, identity_url=trio.identity, mutant="inbox_drops_repeated_subject"
        ) as messaging,
    ):
        yield {"registries": registries, "messaging": messaging}


def test_the_matrix_names_the_failing_step_and_the_block_at_fault(
    trio: Trio,
    broken: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "interop.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "identity": [{"name": "reference", "base_url": trio.identity}],
                "registries": [
                    {"name": "reference", "base_url": trio.registries},
                    {"name": "broken-registries", "base_url": broken["registries"]},
                ],
                "messaging": [
                    {"name": "reference", "base_url": trio.messaging},
                    {"name": "broken-messaging", "base_url": broken["messaging"]},
                ],
            }
        )
    )
    out_dir = tmp_path / "out"
    code = main(["interop", "--config", str(config), "--report-dir", str(out_dir), "--seed", "3"])
    out = capsys.readouterr().out
    assert code == 1, out
    matrix = json.loads((out_dir / "matrix.json").read_text())
    assert matrix["summary"] == {"combinations": 4, "passed": 1, "failed": 3, "error": 0}
    cells = {
        (item["registries"]["name"], item["messaging"]["name"]): item
        for item in matrix["combinations"]
    }
    assert cells[("reference", "reference")]["outcome"] == "passed"

    def geboorte(key: tuple[str, str]) -> tuple[str, str, str]:
        found = next(s for s in cells[key]["scenarios"] if s["scenario"] == "geboorte")
        return found["failed_step"], found["block_at_fault"], found["implementation_at_fault"]

    assert geboorte(("broken-registries", "reference")) == (
        "child-registered",
        "registries",
        "broken-registries",
    )
    assert geboorte(("reference", "broken-messaging")) == (
        "parents-read-message",
        "messaging",
        "broken-messaging",
    )
    # Both broken: the scenario stops at the first defect it meets.
    assert geboorte(("broken-registries", "broken-messaging"))[1] == "registries"
    for item in matrix["combinations"]:
        report = read_report(out_dir / item["report"])
        expected = "conformant" if item["outcome"] == "passed" else "not_conformant"
        assert report.verdict.value == expected
    page = (out_dir / "matrix.html").read_text()
    assert "broken-messaging" in page and "at fault" in page
    assert "FAIL identity reference + registries reference + messaging broken-messaging" in out


def test_the_matrix_starts_reference_implementations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "interop.yaml"
    config.write_text(
        "identity: [{name: reference, reference: true}]\n"
        "registries: [{name: reference, reference: true}]\n"
        "messaging: [{name: reference, reference: true}]\n"
    )
    out_dir = tmp_path / "out"
    code = main(
        [
            "interop",
            "--config",
            str(config),
            "--report-dir",
            str(out_dir),
            "--data-dir",
            str(tmp_path / "data"),
            "--scenario",
            "verhuizing",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    matrix = json.loads((out_dir / "matrix.json").read_text())
    assert matrix["outcome"] == "passed"
    assert matrix["scenarios"] == ["verhuizing"]
    assert (out_dir / "reference__reference__reference" / "report.html").is_file()
