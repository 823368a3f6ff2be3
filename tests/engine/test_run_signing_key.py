"""``run --signing-key KEY``: the verdict of a run, signed, beside its report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tasks_target import TARGET_DIR, TOKEN, serve_tasks

from conformance.cli import main as cli_main
from conformance.reports.certificate import report_digest, verify_certificate
from conformance.reports.signing import load_public_key
from conformance.results import read_report

SPEC = str(TARGET_DIR / "openapi.yaml")


def _run(base_url: str, out: Path, *extra: str) -> int:
    argv = ["run", "--spec", SPEC, "--base-url", base_url, "--seed", "3"]
    argv += ["--header", f"Authorization: Bearer {TOKEN}", "--max-examples", "2"]
    return cli_main([*argv, "--report-dir", str(out), *extra])


@pytest.mark.slow
def test_a_signed_run_writes_a_certificate_that_verifies(tmp_path: Path, capsys) -> None:
    assert cli_main(["keygen", "--out", str(tmp_path / "keys")]) == 0
    key = tmp_path / "keys" / "signing-key.pem"
    out = tmp_path / "out"
    with serve_tasks() as (base_url, _app):
        code = _run(base_url, out, "--signing-key", str(key))
    assert code == 0, capsys.readouterr().err
    report = read_report(out / "report.json")
    public = load_public_key(tmp_path / "keys" / "signing-key.pub.pem")
    verified = verify_certificate((out / "certificate.json").read_bytes(), public)
    assert verified.verdict == "certified"
    assert verified.payload["run"]["run_id"] == report.run_id
    # The digest is of the report as written, so the certificate vouches for that file.
    assert verified.payload["run"]["report_sha256"] == report_digest(report)
    assert (out / "signing-key.pub.pem").read_bytes() == (
        tmp_path / "keys" / "signing-key.pub.pem"
    ).read_bytes()
    assert TOKEN not in (out / "report.json").read_text()  # written redacted, then signed
    command = ["verify", str(out / "certificate.json")]
    assert cli_main([*command, "--public-key", str(out / "signing-key.pub.pem")]) == 0


@pytest.mark.slow
def test_a_changed_report_no_longer_matches_its_certificate(tmp_path: Path) -> None:
    assert cli_main(["keygen", "--out", str(tmp_path / "keys")]) == 0
    out = tmp_path / "out"
    with serve_tasks("missing-version-header") as (base_url, _app):
        code = _run(base_url, out, "--signing-key", str(tmp_path / "keys" / "signing-key.pem"))
    assert code == 1  # not conformant: the certificate says so too
    certificate = json.loads((out / "certificate.json").read_text())["certificate"]
    assert certificate["verdict"] == "not-certified"
    data = json.loads((out / "report.json").read_text())
    data["seed"] += 1
    (out / "report.json").write_text(json.dumps(data))
    changed = read_report(out / "report.json")
    assert certificate["run"]["report_sha256"] != report_digest(changed)


def test_an_unusable_signing_key_is_refused_before_the_run(tmp_path: Path, capsys) -> None:
    (tmp_path / "bad.pem").write_text("not a key")
    out = tmp_path / "out"
    code = _run("http://127.0.0.1:9/tasks/v1", out, "--signing-key", str(tmp_path / "bad.pem"))
    assert code == 2
    err = capsys.readouterr().err
    assert "bad.pem: not an unencrypted PEM private key" in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.slow
def test_without_a_signing_key_no_certificate_is_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with serve_tasks() as (base_url, _app):
        assert _run(base_url, out) == 0
    assert (out / "report.json").is_file()
    assert not (out / "certificate.json").exists()
