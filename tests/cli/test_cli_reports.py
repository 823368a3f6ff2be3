"""The report commands end to end: keygen, verify, report, matrix, merge (exit codes 0/1/2)."""

from __future__ import annotations

import dataclasses
import json
import stat
from pathlib import Path

import pytest
from support.sample_reports import make_report

from conformance.cli import main
from conformance.reports.certificate import build_payload, sign_certificate
from conformance.reports.certification import certify
from conformance.reports.signing import load_private_key
from conformance.results import Outcome, ProductInfo, RunReport, read_report, write_report


def stored(tmp_path: Path, name: str, report: RunReport) -> Path:
    return write_report(report, tmp_path / name)


def test_keygen_writes_owner_only_key_and_refuses_to_overwrite(tmp_path: Path, capsys) -> None:
    assert main(["keygen", "--out", str(tmp_path / "keys")]) == 0
    private = tmp_path / "keys" / "signing-key.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert "fingerprint: SHA256:" in capsys.readouterr().out
    assert main(["keygen", "--out", str(tmp_path / "keys")]) == 2
    assert "already exists" in capsys.readouterr().err


def _certificate(tmp_path: Path) -> tuple[Path, Path]:
    assert main(["keygen", "--out", str(tmp_path)]) == 0
    key = load_private_key(tmp_path / "signing-key.pem")
    report = make_report(product=ProductInfo("Acme BV", "Acme Berichten", "2.4.1"))
    payload = build_payload(report, certify(report))
    certificate = tmp_path / "certificate.json"
    certificate.write_bytes(sign_certificate(payload, key))
    return certificate, tmp_path / "signing-key.pub.pem"


def test_verify_valid_certificate_says_what_it_checked(tmp_path: Path, capsys) -> None:
    certificate, public = _certificate(tmp_path)
    capsys.readouterr()
    assert main(["verify", str(certificate), "--public-key", str(public)]) == 0
    out = capsys.readouterr().out
    assert "signature:      valid" in out
    assert "SHA256:" in out
    assert "payload sha256:" in out
    assert "verdict:        certified (score 100)" in out
    assert "block:          messaging" in out
    assert "product:        Acme BV Acme Berichten 2.4.1" in out


def test_verify_tampered_certificate_exits_1(tmp_path: Path, capsys) -> None:
    certificate, public = _certificate(tmp_path)
    data = bytearray(certificate.read_bytes())
    data[len(data) // 2] ^= 0x01
    certificate.write_bytes(bytes(data))
    assert main(["verify", str(certificate), "--public-key", str(public)]) == 1
    captured = capsys.readouterr()
    assert "INVALID" in captured.out and "does not verify" in captured.err


def test_verify_with_another_key_exits_1(tmp_path: Path, capsys) -> None:
    certificate, _ = _certificate(tmp_path / "a")
    assert main(["keygen", "--out", str(tmp_path / "b")]) == 0
    other = tmp_path / "b" / "signing-key.pub.pem"
    assert main(["verify", str(certificate), "--public-key", str(other)]) == 1
    assert "not by the given key" in capsys.readouterr().out


def test_verify_unreadable_inputs_exit_2(tmp_path: Path, capsys) -> None:
    certificate, public = _certificate(tmp_path)
    assert main(["verify", str(certificate), "--public-key", str(tmp_path / "nope.pem")]) == 2
    assert main(["verify", str(tmp_path / "nope.json"), "--public-key", str(public)]) == 2
    err = capsys.readouterr().err
    assert "cannot read" in err and "Traceback" not in err


def test_report_renders_every_format_and_exits_by_verdict(tmp_path: Path, capsys) -> None:
    path = stored(tmp_path, "ok", make_report())
    assert main(["report", str(path), "--format", "all"]) == 0
    names = {item.name for item in path.parent.iterdir()}
    assert {"report.html", "junit.xml", "badge.svg"} <= names
    for name in ("report.json", "report.html", "junit.xml"):
        assert stat.S_IMODE((path.parent / name).stat().st_mode) == 0o644, "shareable"
    captured = capsys.readouterr()
    assert "verdict: certified (score 100)" in captured.out
    assert "SARIF left out" in captured.err  # the sample spec path does not exist here

    failed = stored(tmp_path, "bad", make_report({"GDI-MSG-001": Outcome.FAILED}))
    out = tmp_path / "rendered"
    assert main(["report", str(failed), "--format", "junit", "--out", str(out)]) == 1
    assert [item.name for item in out.iterdir()] == ["junit.xml"]


def test_report_with_waivers(tmp_path: Path, capsys) -> None:
    path = stored(tmp_path, "bad", make_report({"GDI-MSG-001": Outcome.FAILED}))
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n  - {requirement: GDI-MSG-001, reason: upgrade pending, expires: 2999-01-01}\n"
    )
    assert main(["report", str(path), "--format", "html", "--waivers", str(waivers)]) == 0
    assert "waived until 2999-01-01" in (path.parent / "report.html").read_text()


def test_report_sarif_from_the_spec_it_names(tmp_path: Path, capsys) -> None:
    from conformance.spec.catalog import resolve_block

    _, spec = resolve_block("messaging")
    report = make_report()
    report.spec = dataclasses.replace(
        report.spec, path=f"messaging ({spec.path})", sha256=spec.sha256
    )
    path = stored(tmp_path, "run", report)
    assert main(["report", str(path), "--format", "sarif"]) == 0
    sarif = json.loads((path.parent / "lint.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    report.spec.sha256 = "0" * 64
    path = stored(tmp_path, "changed", report)
    assert main(["report", str(path), "--format", "sarif"]) == 2
    assert "has changed since the run" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "report.json:1:2: not JSON"),
        ("[]", "expected a JSON object"),
        ('{"run_id": "x"}', "not a valid report.json"),
    ],
)
def test_report_bad_input_exits_2_with_one_message(
    tmp_path: Path, capsys, content: str, message: str
) -> None:
    path = tmp_path / "report.json"
    path.write_text(content)
    assert main(["report", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_matrix_links_reports_and_writes_json(tmp_path: Path, capsys) -> None:
    acme = stored(tmp_path, "acme", make_report(product=ProductInfo("Acme BV", "Berichten", "2")))
    assert main(["report", str(acme), "--format", "html"]) == 0
    beta = stored(
        tmp_path,
        "beta",
        make_report({"GDI-MSG-001": Outcome.FAILED}, product=ProductInfo("Beta NV", "Suite", "1")),
    )
    out = tmp_path / "overview"
    assert main(["matrix", str(acme), str(beta), "--out", str(out)]) == 0
    data = json.loads((out / "matrix.json").read_text())
    cells = [row["cells"]["messaging"] for row in data["rows"]]
    assert [cell["verdict"] for cell in cells] == ["certified", "not-certified"]
    assert cells[0]["report"] == "../acme/report.html" and cells[1]["report"] is None
    assert 'href="../acme/report.html"' in (out / "index.html").read_text()


def test_merge_combines_shards(tmp_path: Path, capsys) -> None:
    one = stored(tmp_path, "1", make_report({"GDI-MSG-003": Outcome.SKIPPED}))
    two = stored(
        tmp_path,
        "2",
        make_report({"GDI-MSG-001": Outcome.FAILED}, run_id="00000000-0000-4000-8000-000000000002"),
    )
    out = tmp_path / "merged.json"
    # The merge gives the verdict (a MUST failed in one part): exit 1.
    assert main(["merge", str(one), str(two), "--out", str(out)]) == 1
    merged = read_report(out)
    assert merged.requirement("GDI-MSG-001").outcome is Outcome.FAILED
    assert merged.requirement("GDI-MSG-003").outcome is Outcome.PASSED
    assert merged.summary.cases == 240
    assert "2 shards, 240 cases, complete, not conformant" in capsys.readouterr().out


def test_merge_refuses_reports_of_different_runs(tmp_path: Path, capsys) -> None:
    one = stored(tmp_path, "1", make_report())
    two = stored(tmp_path, "2", make_report(seed=7, run_id="00000000-0000-4000-8000-000000000002"))
    assert main(["merge", str(one), str(two), "--out", str(tmp_path / "m.json")]) == 2
    assert "differ in seed" in capsys.readouterr().err
    assert not (tmp_path / "m.json").exists()
