"""The overview ``certify`` writes keeps every block in its report folder, earlier runs' too,
and says for each whether its certificate holds and which key signed it."""

from __future__ import annotations

import dataclasses
import json
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from support.sample_reports import make_report

from conformance.cli.certify_blocks import BlockResult, Settings, write_overview
from conformance.cli.run_options import RunOptions
from conformance.reports.certification import certify
from conformance.reports.render import write_atomic, write_certificate, write_outputs
from conformance.reports.signing import PUBLIC_KEY_FILE, fingerprint, public_pem
from conformance.results import ProductInfo, RunReport

RUN_1, RUN_2, RUN_9 = (str(uuid.UUID(int=n, version=4)) for n in (1, 2, 9))
PRODUCT = ProductInfo("Acme BV", "Acme Platform", "3.0")


def settings(folder: Path, key: Ed25519PrivateKey) -> Settings:
    return Settings(
        report_dir=folder,
        key=key,
        product=PRODUCT,
        waivers=[],
        options=RunOptions.of(seed=1, max_examples=1, request_timeout=5.0),
    )


def block_report(name: str, run_id: str) -> RunReport:
    report = make_report(product=PRODUCT)
    profile = dataclasses.replace(report.profile, name=name)
    return dataclasses.replace(report, profile=profile, run_id=run_id)


def certified(folder: Path, report: RunReport, key: Ed25519PrivateKey) -> BlockResult:
    """What certify_block leaves: the outputs, the certificate and its key beside it."""
    directory = folder / report.profile.name
    certification = certify(report)
    write_outputs(report, certification, directory, ("json", "html"))
    write_certificate(report, certification, directory, key)
    write_atomic(directory / PUBLIC_KEY_FILE, public_pem(key.public_key()))
    return BlockResult(report.profile.name, report, certification, directory)


def cells(folder: Path) -> dict[str, dict]:
    matrix = json.loads((folder / "matrix.json").read_text())
    (row,) = matrix["rows"]
    return {block: cell for block, cell in row["cells"].items() if cell}


def test_an_earlier_runs_block_stays_in_the_overview(tmp_path: Path) -> None:
    first, second = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    earlier = certified(tmp_path, block_report("identity", RUN_1), first)
    write_overview([earlier], settings(tmp_path, first))
    # A later run, signed with another key, certifies another block into the same folder.
    later = certified(tmp_path, block_report("messaging", RUN_2), second)
    write_overview([later], settings(tmp_path, second))
    found = cells(tmp_path)
    assert set(found) == {"identity", "messaging"}
    assert found["identity"]["certificate"] == {
        "status": "valid",
        "key_fingerprint": fingerprint(first.public_key()),
        "problem": None,
    }
    assert found["messaging"]["certificate"]["key_fingerprint"] == fingerprint(second.public_key())
    index = (tmp_path / "index.html").read_text()
    assert 'href="identity/report.html"' in index and 'href="messaging/report.html"' in index
    assert index.count('data-certificate="valid"') == 2


def test_a_key_that_lay_only_in_the_folder_is_kept_when_another_signs(tmp_path: Path) -> None:
    """Certificates written before keys lay beside them still verify after a run with
    another key replaced the folder's signing-key.pub.pem."""
    first, second = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    earlier = certified(tmp_path, block_report("identity", RUN_1), first)
    (tmp_path / "identity" / PUBLIC_KEY_FILE).unlink()
    write_overview([earlier], settings(tmp_path, first))
    later = certified(tmp_path, block_report("messaging", RUN_2), second)
    write_overview([later], settings(tmp_path, second))
    assert cells(tmp_path)["identity"]["certificate"]["status"] == "valid"


def test_a_certificate_that_does_not_hold_is_shown_as_such(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    earlier = certified(tmp_path, block_report("identity", RUN_1), key)
    # The report beside the certificate is replaced by another one: not what was certified.
    write_outputs(block_report("identity", RUN_9), earlier.certification, tmp_path / "identity")
    later = certified(tmp_path, block_report("messaging", RUN_2), key)
    write_overview([later], settings(tmp_path, key))
    seal = cells(tmp_path)["identity"]["certificate"]
    assert seal["status"] == "invalid"
    assert "another report" in seal["problem"]
    assert 'data-certificate="invalid"' in (tmp_path / "index.html").read_text()


def test_an_unreadable_report_or_key_in_the_folder_is_named_not_fatal(
    tmp_path: Path, capsys
) -> None:
    key = Ed25519PrivateKey.generate()
    (tmp_path / "signing-keys").mkdir()
    (tmp_path / "signing-keys" / "broken.pub.pem").write_text("not a key")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "report.json").write_text("{")
    later = certified(tmp_path, block_report("messaging", RUN_2), key)
    write_overview([later], settings(tmp_path, key))
    assert set(cells(tmp_path)) == {"messaging"}
    assert "old/report.json: left out of the overview" in capsys.readouterr().err
