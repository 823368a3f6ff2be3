"""``--login-driver`` of ``run`` and ``certify``: a driver that cannot be loaded stops the command
before anything is tested; the one given is the one the identity checks log citizens in with,
also in the shard processes of ``run --workers N``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.services import running_blocks

from conformance.cli import build_parser
from conformance.cli import main as cli_main
from conformance.cli.run_options import RunOptions
from conformance.cli.run_processes import shard_arguments
from conformance.client.login import ENVIRONMENT_VARIABLE
from conformance.paths import specs_root

UNREACHABLE = "http://127.0.0.1:9/identity/v1"  # nothing listens: the driver is refused first
DRIVER_MODULE = "recording_login_driver"


@pytest.fixture(autouse=True)
def no_driver_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["run", "--bb", "identity", "--base-url", UNREACHABLE],
            "--login-driver: login driver 'nosuchmodule:x': cannot import nosuchmodule",
        ),
        (
            ["certify", "--bb", "identity", "--base-url", UNREACHABLE],
            "--login-driver: login driver 'nosuchmodule:x': cannot import nosuchmodule",
        ),
        (["certify", "--reference"], "login driver 'nosuchmodule:x'"),  # before any block starts
    ],
)
def test_a_driver_that_cannot_be_imported_exits_2_before_testing(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report_dir = tmp_path / "out"
    code = cli_main([*argv, "--login-driver", "nosuchmodule:x", "--report-dir", str(report_dir)])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert not report_dir.exists()


def test_an_unknown_driver_name_exits_2_naming_the_known_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["run", "--bb", "identity", "--base-url", UNREACHABLE, "--report-dir", str(tmp_path)]
    assert cli_main([*argv, "--login-driver", "acme-idp"]) == 2
    err = capsys.readouterr().err
    assert "--login-driver: no login driver named 'acme-idp' (known: test-login" in err


def test_a_bad_driver_in_the_environment_is_named_as_such(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "nosuchmodule:x")
    argv = ["run", "--bb", "identity", "--base-url", UNREACHABLE, "--report-dir", str(tmp_path)]
    assert cli_main(argv) == 2
    assert f"{ENVIRONMENT_VARIABLE}: login driver 'nosuchmodule:x'" in capsys.readouterr().err


def _run_arguments(*extra: str) -> list[str]:
    spec = str(specs_root() / "identity" / "v1" / "openapi.yaml")
    argv = ["run", "--spec", spec, "--base-url", UNREACHABLE, "--workers", "2", *extra]
    return shard_arguments(RunOptions.from_namespace(build_parser(argv).parse_args(argv)))


def test_the_driver_is_forwarded_to_every_shard_process() -> None:
    forwarded = _run_arguments("--login-driver", "acme_login:drive")
    assert "--login-driver=acme_login:drive" in forwarded
    shard = ["run", *forwarded, "--shard", "1/2"]  # what a shard process parses
    assert build_parser(shard).parse_args(shard).login_driver == "acme_login:drive"
    # None given: the shards choose as we do.
    assert not any(item.startswith("--login-driver") for item in _run_arguments())


def _driver_module(directory: Path, calls: Path) -> None:
    """A vendor's driver: it records the citizen it logs in, then uses the test login."""
    (directory / f"{DRIVER_MODULE}.py").write_text(
        "from conformance.client.login import test_login\n\n\n"
        "def drive(request):\n"
        f"    with open({str(calls)!r}, 'a', encoding='utf-8') as stream:\n"
        "        stream.write(request.citizen_bsn + '\\n')\n"
        "    return test_login(request)\n",
        encoding="utf-8",
    )


@pytest.fixture
def identity_url(tmp_path: Path) -> Iterator[str]:
    with running_blocks(tmp_path / "blocks", ("identity",)) as blocks:
        assert blocks.identity_url is not None
        yield blocks.identity_url


@pytest.mark.slow
def test_the_identity_checks_log_citizens_in_with_the_driver_given(
    identity_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = tmp_path / "logins.txt"
    drivers = tmp_path / "drivers"
    drivers.mkdir()
    _driver_module(drivers, calls)
    monkeypatch.syspath_prepend(str(drivers))
    report_dir = tmp_path / "out"
    try:
        code = cli_main(_identity_run(identity_url, report_dir))
    finally:
        sys.modules.pop(DRIVER_MODULE, None)  # the next test's module of that name is another
    assert code in (0, 1)
    logins = calls.read_text(encoding="utf-8").split()
    assert len(logins) >= 10, logins  # every code-flow check logs a citizen in through it
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    checks = {item["id"]: item for item in report["checks"]}
    for check in ("bb:identity:pkce-required", "bb:identity:code-single-use"):
        assert checks[check]["outcome"] == "passed", checks[check]


def _identity_run(identity_url: str, report_dir: Path) -> list[str]:
    return [
        "run",
        "--bb",
        "identity",
        "--base-url",
        identity_url,
        "--max-examples",
        "1",
        "--seed",
        "1",
        "--login-driver",
        f"{DRIVER_MODULE}:drive",
        "--report-dir",
        str(report_dir),
    ]
