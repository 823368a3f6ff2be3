"""``gdi-conformance verify``: intact, and issued by a key the user trusts."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.sample_reports import make_report

from conformance.cli import main
from conformance.reports.certificate import build_payload, sign_certificate
from conformance.reports.certification import certify
from conformance.reports.signing import persistent_key


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """reports/messaging/certificate.json signed by the issuer's key, with its public key
    beside it; keys/ holds the issuer's and another party's key pairs."""
    issuer = persistent_key(tmp_path / "keys" / "issuer.pem").key
    persistent_key(tmp_path / "keys" / "other.pem")
    report = make_report()
    payload = build_payload(report, certify(report), issued_at="2025-06-01T12:00:00Z")
    directory = tmp_path / "reports" / "messaging"
    directory.mkdir(parents=True)
    (directory / "certificate.json").write_bytes(sign_certificate(payload, issuer))
    (directory / "signing-key.pub.pem").write_bytes(
        (tmp_path / "keys" / "issuer.pub.pem").read_bytes()
    )
    return tmp_path


def verify(folder: Path, *options: str) -> int:
    certificate = folder / "reports" / "messaging" / "certificate.json"
    return main(["verify", str(certificate), *options])


def test_issued_by_a_trusted_key(folder: Path, capsys) -> None:
    assert verify(folder, "--trusted-key", str(folder / "keys" / "issuer.pub.pem")) == 0
    out = capsys.readouterr().out
    assert "signature:      valid: intact" in out
    assert "issuer:         trusted: SHA256:" in out


def test_intact_but_not_issued_by_a_trusted_key(folder: Path, capsys) -> None:
    """The key beside the certificate shows it is intact; that someone signed it is no trust."""
    assert verify(folder, "--trusted-key", str(folder / "keys" / "other.pub.pem")) == 1
    captured = capsys.readouterr()
    assert "signature:      valid: intact" in captured.out
    assert "issuer:         NOT trusted" in captured.out
    assert "intact but NOT issued by a trusted key" in captured.err


def test_a_signer_whose_key_is_nowhere_is_not_trusted(folder: Path, capsys) -> None:
    (folder / "reports" / "messaging" / "signing-key.pub.pem").unlink()
    assert verify(folder, "--trusted-key", str(folder / "keys" / "other.pub.pem")) == 1
    captured = capsys.readouterr()
    assert "NOT issued by a trusted key" in captured.err


def test_trusted_keys_file(folder: Path, capsys) -> None:
    listing = folder / "trusted.pem"
    keys = folder / "keys"
    listing.write_bytes(
        b"# other\n"
        + (keys / "other.pub.pem").read_bytes()
        + b"# issuer\n"
        + (keys / "issuer.pub.pem").read_bytes()
    )
    assert verify(folder, "--trusted-keys", str(listing)) == 0
    assert "issuer:         trusted" in capsys.readouterr().out


def test_a_changed_certificate_from_a_trusted_issuer_is_invalid(folder: Path, capsys) -> None:
    certificate = folder / "reports" / "messaging" / "certificate.json"
    certificate.write_bytes(certificate.read_bytes().replace(b'"score":', b'"score" :'))
    assert verify(folder, "--trusted-key", str(folder / "keys" / "issuer.pub.pem")) == 1
    assert "signature:      INVALID" in capsys.readouterr().out


def test_public_key_alone_checks_integrity_and_says_trust_was_not(folder: Path, capsys) -> None:
    assert verify(folder, "--public-key", str(folder / "keys" / "issuer.pub.pem")) == 0
    assert "not checked: no trusted keys given" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ([], "say whom you trust"),
        (["--trusted-key", "absent.pem"], "cannot read the public key"),
        (["--trusted-keys", "keys/issuer.pem"], "holds a private key"),
    ],
)
def test_unusable_trust_exits_2(
    folder: Path, options: list[str], message: str, capsys, monkeypatch
) -> None:
    monkeypatch.chdir(folder)
    assert verify(folder, *options) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
