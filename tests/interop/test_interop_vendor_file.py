"""`interop --config`: a vendor file (one implementation per block, its test clients, users
and login) or a matrix file (implementations listed per block)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.cli import main
from conformance.cli.interop import is_matrix_file


def test_a_matrix_file_lists_implementations_a_vendor_file_describes_one(tmp_path: Path) -> None:
    matrix = tmp_path / "interop.yaml"
    matrix.write_text("identity: [{name: reference, reference: true}]\n", encoding="utf-8")
    vendor = tmp_path / "gdi-conformance.yaml"
    vendor.write_text("identity: {issuer: 'http://127.0.0.1:9'}\n", encoding="utf-8")
    assert is_matrix_file(matrix) and not is_matrix_file(vendor)


def test_the_vendor_files_base_urls_are_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vendor = tmp_path / "gdi-conformance.yaml"
    vendor.write_text(
        "identity: {issuer: 'http://127.0.0.1:9'}\n"
        "registries: {base_url: 'http://127.0.0.1:9/registries/v1'}\n"
        "messaging: {base_url: 'http://127.0.0.1:9/messaging/v1'}\n",
        encoding="utf-8",
    )
    code = main(["interop", "--config", str(vendor), "--report-dir", str(tmp_path / "r")])
    assert code == 2
    assert "identity 'identity'" in capsys.readouterr().err  # nothing answers there


def test_a_vendor_file_without_the_urls_says_which_are_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vendor = tmp_path / "gdi-conformance.yaml"
    vendor.write_text("identity: {issuer: 'http://127.0.0.1:9'}\n", encoding="utf-8")
    assert main(["interop", "--config", str(vendor)]) == 2
    assert "give --registries, --messaging" in capsys.readouterr().err
