"""The vendor file (gdi-conformance.yaml): validated with file:line errors; `init` writes an
example that validates; the reference set-up is such a file too."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.cli.vendor_file import restart_hook
from conformance.paths import seed_root
from conformance.spec.vendor import (
    ROLES,
    VendorConfigError,
    find_vendor_config,
    load_vendor_config,
    reference_config_path,
)

KEYS = seed_root() / "identity" / "keys"


def test_the_reference_set_up_is_a_vendor_file() -> None:
    config = load_vendor_config(reference_config_path())
    identity = config.block("identity")
    assert identity is not None and identity.login is not None
    assert identity.login.driver == "test-login"
    assert {client.role for client in identity.clients} == set(ROLES)
    portal = identity.client("portal")
    assert portal is not None and portal.bsn_allowed and portal.key_path.is_file()


def test_init_writes_an_example_that_validates(tmp_path: Path) -> None:
    target = tmp_path / "gdi-conformance.yaml"
    assert main(["init", "--bb", "identity", "--output", str(target)]) == 0
    shutil.copytree(KEYS, tmp_path / "keys")  # the example names keys/<client>.key.pem
    config = load_vendor_config(target)
    identity = config.block("identity")
    assert identity is not None and identity.base_url == "https://idp.example.nl"
    assert identity.citizens[0].fields["username"] == "anna"
    assert main(["init", "--bb", "identity", "--output", str(target)]) == 2  # kept


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("identity:\n  issuer: not-a-url\n", ":2:11", "absolute http(s) URL"),
        ("identity:\n  colour: blue\n", ":2:3", "unknown fields"),
        (
            "identity:\n  clients:\n    - client_id: a\n      role: portal\n"
            "      key: missing.pem\n",
            ":5:12",
            "no key file 'missing.pem'",
        ),
        (
            "identity:\n  users:\n    citizens:\n      - bsn: '12'\n",
            ":4:14",
            "9 digits",
        ),
        ("messaging:\n  waivers:\n    - requirement: GDI-MSG-001\n", ":3:7", "reason"),
    ],
)
def test_errors_say_file_line_and_column(
    tmp_path: Path, text: str, where: str, message: str
) -> None:
    path = tmp_path / "gdi-conformance.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(VendorConfigError) as caught:
        load_vendor_config(path)
    assert f"{path}{where}" in str(caught.value)
    assert message in str(caught.value)


def test_the_file_in_the_working_directory_is_found(tmp_path: Path) -> None:
    assert find_vendor_config(None, tmp_path) is None
    (tmp_path / "gdi-conformance.yaml").write_text("messaging: {}\n", encoding="utf-8")
    assert find_vendor_config(None, tmp_path) == tmp_path / "gdi-conformance.yaml"
    assert find_vendor_config(tmp_path / "other.yaml", tmp_path) == tmp_path / "other.yaml"


def test_run_reports_a_bad_vendor_file_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "vendor.yaml"
    path.write_text("identity:\n  issuer: 42\n", encoding="utf-8")
    code = main(["run", "--bb", "identity", "--config", str(path)])
    assert code == 2
    assert f"{path}:2:11" in capsys.readouterr().err


@pytest.mark.slow
def test_the_restart_command_becomes_the_runs_restart_hook(tmp_path: Path) -> None:
    path = tmp_path / "gdi-conformance.yaml"
    path.write_text("messaging:\n  restart: 'true'\nregistries:\n  restart: 'false'\n")
    config = load_vendor_config(path)
    assert restart_hook(config, "identity") is None
    hook = restart_hook(config, "messaging")
    assert hook is not None
    hook()  # exit 0: restarted
    failing = restart_hook(config, "registries")
    assert failing is not None
    with pytest.raises(RuntimeError, match="exited with 1"):
        failing()
