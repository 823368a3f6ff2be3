"""``gdi-conformance certify``: the reference blocks and a vendor's block, end to end."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import xmlschema
from support.ports import free_port
from support.services import running_blocks

from conformance.cli import main
from conformance.paths import seed_root
from conformance.reports.certificate import verify_certificate
from conformance.reports.certification import CertificationVerdict
from conformance.reports.signing import PUBLIC_KEY_FILE, load_public_key
from conformance.results import Outcome, read_report

JUNIT_SCHEMAS = [
    Path(__file__).parents[1] / "reports" / "data" / name for name in ("junit.xsd", "junit-10.xsd")
]
KEYS = seed_root() / "identity" / "keys"
BLOCK_FILES = (
    "report.json",
    "report.html",
    "junit.xml",
    "badge.svg",
    "lint.sarif",
    "certificate.json",
)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "say what to certify"),
        (["--bb", "messaging"], "--bb needs --base-url"),
        (["--reference", "--bb", "tasks"], "the reference blocks are identity, messaging"),
        (["--reference", "--header", "Authorization: Bearer x"], "credential options are for"),
        (["--reference", "--base-url", "http://127.0.0.1:1/x"], "--base-url is for --bb"),
        (["--reference", "--vendor", "Acme"], "--vendor, --product and --product-version go"),
        (["--reference", "--signing-key", "absent.pem"], "cannot read the signing key"),
        (["--reference", "--waivers", "absent.yaml"], "cannot read the waiver file"),
        (
            ["--bb", "messaging", "--base-url", "http://127.0.0.1:1/m", "--client", "x"],
            "--client and --key go together",
        ),
    ],
)
def test_bad_arguments_exit_2_with_one_message(
    argv: list[str], message: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["certify", *argv, "--report-dir", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_unreachable_implementation_could_not_run(tmp_path: Path, capsys) -> None:
    url = f"http://127.0.0.1:{free_port()}/messaging/v1"
    argv = ["certify", "--bb", "messaging", "--base-url", url, "--report-dir", str(tmp_path)]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "unreachable" in captured.out
    assert not (tmp_path / "messaging").exists()


def _check_block(directory: Path, key_path: Path) -> CertificationVerdict:
    for name in BLOCK_FILES:
        assert (directory / name).is_file(), name
    report = read_report(directory / "report.json")
    for schema in JUNIT_SCHEMAS:
        xmlschema.XMLSchema(schema).validate(str(directory / "junit.xml"))
    verified = verify_certificate(
        (directory / "certificate.json").read_bytes(), load_public_key(key_path)
    )
    assert verified.block == directory.name
    assert verified.payload["run"]["run_id"] == report.run_id
    assert [item["id"] for item in verified.payload["requirements"]] == [
        item.id for item in report.requirements
    ]
    verdict = CertificationVerdict(verified.verdict)
    assert f'data-verdict="{verdict.value}"' in (directory / "report.html").read_text()
    return verdict


@pytest.mark.slow
def test_reference_blocks_are_certified_with_every_output(tmp_path: Path, capsys) -> None:
    assert main(["keygen", "--out", str(tmp_path / "keys")]) == 0
    out = tmp_path / "reports"
    argv = ["certify", "--reference", "--report-dir", str(out), "--seed", "5"]
    argv += ["--max-examples", "1", "--signing-key", str(tmp_path / "keys" / "signing-key.pem")]
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 0, captured.err[-3000:] + captured.out[-3000:]
    public = out / "signing-key.pub.pem"
    assert public.read_bytes() == (tmp_path / "keys" / "signing-key.pub.pem").read_bytes()
    verdicts = [
        _check_block(out / block, public) for block in ("identity", "messaging", "registries")
    ]
    # The reference implementation is certified outright: every MUST requirement carried out
    # and passed, including the crash of the durability check and both declarations of BOLA.
    assert verdicts == [CertificationVerdict.CERTIFIED] * 3
    for block in ("identity", "messaging", "registries"):
        assert _score(out / block) == 100, block
    for block, requirement in (("messaging", "GDI-MSG-037"), ("registries", "GDI-REG-028")):
        result = read_report(out / block / "report.json").requirement(requirement)
        assert result.outcome is Outcome.PASSED and not result.errors, (result.reason, block)
    assert read_report(out / "registries" / "report.json").requirement("GDI-REG-028").cases == 2
    assert (
        main(["verify", str(out / "messaging" / "certificate.json"), "--public-key", str(public)])
        == 0
    )
    # The overview: the three blocks and the life events played across them, in one row.
    matrix = json.loads((out / "matrix.json").read_text())
    assert matrix["blocks"] == ["identity", "interop", "messaging", "registries"]
    (row,) = matrix["rows"]
    assert row["vendor"] == "GDI reference implementation"
    assert {cell["report"] for cell in row["cells"].values()} == {
        "identity/report.html",
        "messaging/report.html",
        "registries/report.html",
        "interop/report.html",
    }
    assert row["cells"]["interop"]["verdict"] == "certified"
    assert 'href="interop/report.html"' in (out / "index.html").read_text()
    assert "Certification" in captured.out and "messaging" in captured.out
    # The life events are played across the three reference blocks as well.
    life_events = read_report(out / "interop" / "report.json")
    assert {item.id: item.outcome for item in life_events.requirements} == {
        "GDI-GEN-101": Outcome.PASSED,
        "GDI-GEN-102": Outcome.PASSED,
    }
    assert (out / "interop" / "report.html").is_file()
    assert "life event geboorte: passed" in captured.out


@pytest.mark.slow
def test_vendor_block_certified_with_product_named(tmp_path: Path, capsys) -> None:
    with running_blocks(tmp_path, ("identity", "messaging")) as blocks:
        out = tmp_path / "reports"
        code = main(
            [
                "certify", "--bb", "messaging", "--base-url", blocks.base_url("messaging"),
                "--identity", str(blocks.identity_url),
                "--client", "gemeente-utrecht", "--key", str(KEYS / "gemeente-utrecht.key.pem"),
                "--scope", "messaging:send", "--scope", "messaging:subscribe",
                "--vendor", "Acme BV", "--product", "Acme Berichten", "--product-version", "2.4.1",
                "--report-dir", str(out), "--seed", "9", "--max-examples", "1",
            ]
        )  # fmt: skip
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err[-3000:] + captured.out[-3000:]
    verdict = _check_block(out / "messaging", out / "signing-key.pub.pem")
    assert code == (0 if verdict.exit_ok else 1)
    report = read_report(out / "messaging" / "report.json")
    assert report.product is not None and report.product.vendor == "Acme BV"
    certificate = json.loads((out / "messaging" / "certificate.json").read_text())
    assert certificate["certificate"]["product"] == {
        "vendor": "Acme BV",
        "name": "Acme Berichten",
        "version": "2.4.1",
    }
    assert not (out / "identity").exists()
    assert "eyJ" not in (out / "messaging" / "report.json").read_text(), "no token leaks"


def test_the_reference_crash_kills_and_starts_never_stops() -> None:
    """The durability check needs a crash: SIGKILL (BlockProcess.kill), no graceful stop."""
    from conformance.cli.certify import crash

    calls: list[str] = []

    class Recorder:
        def kill(self) -> None:
            calls.append("kill")

        def stop(self) -> None:
            calls.append("stop")

        def start(self) -> str:
            calls.append("start")
            return "http://127.0.0.1:1/messaging/v1"

    crash(Recorder())  # type: ignore[arg-type]
    assert calls == ["kill", "start"]


def _score(block_dir: Path) -> int:
    score: int = json.loads((block_dir / "certificate.json").read_text())["certificate"]["score"]
    return score


def _children_of(pid: int) -> set[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(item) for item in children.read_text().split()} if children.exists() else set()


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads Linux's /proc")
def test_interrupted_reference_certification_keeps_what_it_has_and_stops(tmp_path: Path) -> None:
    """Ctrl-C while messaging is certified: identity's reports stay, messaging's report is
    written marked incomplete, registries and the life events are not started, no block process
    is left behind, and the exit code says not certified."""
    out = tmp_path / "reports"
    command = [sys.executable, "-m", "conformance", "certify", "--reference"]
    command += ["--report-dir", str(out), "--seed", "3", "--max-examples", "5"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        # Identity's public key is the last file its certification writes; messaging comes next,
        # served by a new block process. A Ctrl-C before that process starts leaves messaging
        # "not run"; once that process starts, messaging's run has begun.
        while not (out / "identity" / PUBLIC_KEY_FILE).exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "identity was not certified in time"
            time.sleep(0.05)
        identity_process = _children_of(process.pid)
        while not _children_of(process.pid) - identity_process:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "messaging's block process did not start"
            time.sleep(0.02)
        time.sleep(1)  # into the messaging run (interrupted while its block starts, it is too)
        blocks = _children_of(process.pid)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 1, stderr[-3000:]
    assert read_report(out / "identity" / "report.json").completion.complete
    messaging = read_report(out / "messaging" / "report.json")
    assert not messaging.completion.complete
    assert messaging.completion.reason == "interrupted (SIGINT)"
    assert not (out / "registries").exists() and not (out / "interop").exists()
    assert "life event" not in stdout
    assert all(not Path(f"/proc/{pid}").exists() for pid in blocks), blocks


@pytest.mark.slow
def test_second_certify_into_one_folder_keeps_the_first_valid_and_shown(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    """Two runs into one report folder (as `tox -e messaging` after the main job): one
    persistent key signs both, so both certificates verify with it; the overview has both."""
    key = tmp_path / "issuer" / "signing-key.pem"
    monkeypatch.setenv("GDI_CONFORMANCE_SIGNING_KEY", str(key))
    out = tmp_path / "reports"
    common = ["--report-dir", str(out), "--seed", "4", "--max-examples", "1"]
    assert main(["certify", "--reference", "--bb", "messaging", *common]) == 0
    captured = capsys.readouterr()
    assert "made the signing key" in captured.err
    # No terminal here, as in a CI log: a line per phase of the block, not a silent wait.
    phases = re.findall(r"^messaging +\d+ s  (\S.*)$", captured.err, re.MULTILINE)
    assert len(phases) >= 4 and phases[-1] == "certified", captured.err[-2000:]
    made = key.read_bytes()
    assert main(["certify", "--reference", "--bb", "identity", *common]) == 0
    assert "made the signing key" not in capsys.readouterr().err
    assert key.read_bytes() == made, "the key is reused, never replaced"
    public = key.with_name("signing-key.pub.pem")
    for block in ("messaging", "identity"):
        assert _score(out / block) == 100, block  # another seed than the main test's
        certificate = str(out / block / "certificate.json")
        assert main(["verify", certificate, "--trusted-key", str(public)]) == 0, block
        assert "issuer:         trusted" in capsys.readouterr().out
    matrix = json.loads((out / "matrix.json").read_text())
    assert matrix["blocks"] == ["identity", "messaging"]
    (row,) = matrix["rows"]
    for block in ("identity", "messaging"):
        assert row["cells"][block]["certificate"]["status"] == "valid", block
    index = (out / "index.html").read_text()
    assert 'href="messaging/report.html"' in index and 'href="identity/report.html"' in index
