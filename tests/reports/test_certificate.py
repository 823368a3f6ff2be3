"""Signed certificates: what they hold, and that no changed byte survives verification."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from support.sample_reports import make_report

from conformance.reports.certificate import (
    CertificateInvalid,
    build_payload,
    report_digest,
    sign_certificate,
    verify_certificate,
)
from conformance.reports.certification import certify
from conformance.reports.signing import (
    SigningKeyError,
    fingerprint,
    generate_keypair,
    load_private_key,
    load_public_key,
)
from conformance.reports.waivers import Waiver
from conformance.results import Outcome, ProductInfo

TODAY = dt.date(2025, 6, 1)


def signed(key: Ed25519PrivateKey) -> bytes:
    report = make_report(
        {"GDI-MSG-001": Outcome.FAILED, "GDI-MSG-010": Outcome.FAILED},
        product=ProductInfo(vendor="Acme BV", name="Acme Berichten", version="2.4.1"),
    )
    waivers = [Waiver("GDI-MSG-001", "gateway upgrade pending", dt.date(2025, 7, 1))]
    certification = certify(report, waivers, today=TODAY)
    payload = build_payload(report, certification, issued_at="2025-06-01T12:00:00Z")
    return sign_certificate(payload, key)


def test_payload_holds_what_is_needed_to_judge_the_verdict() -> None:
    report = make_report(product=ProductInfo("Acme BV", "Acme Berichten", "2.4.1"))
    payload = build_payload(report, certify(report, today=TODAY), issued_at="2025-06-01T12:00:00Z")
    assert payload["verdict"] == "certified"
    assert payload["score"] == 100
    assert payload["product"] == {"vendor": "Acme BV", "name": "Acme Berichten", "version": "2.4.1"}
    assert payload["block"]["name"] == "messaging"
    assert payload["block"]["profile_version"] == "1.0.0"
    assert payload["block"]["spec_sha256"] == "a" * 64
    assert payload["block"]["profile_sha256"] == "b" * 64
    assert payload["harness"]["schemathesis"] == "4.32.5"
    assert payload["harness"]["hypothesis"] == "6.140.0"
    assert payload["run"]["seed"] == 42
    assert payload["run"]["max_examples"] == 25
    assert payload["run"]["started_at"] == "2025-05-01T10:00:00.000Z"
    assert payload["run"]["report_sha256"] == report_digest(report)
    assert [item["id"] for item in payload["requirements"]] == [
        item.id for item in report.requirements
    ]
    assert all(item["outcome"] == "passed" for item in payload["requirements"])
    assert payload["exceptions"][0]["id"] == "GDI-MSG-X01"


def test_signed_certificate_verifies_and_says_what_it_certifies() -> None:
    key = Ed25519PrivateKey.generate()
    verified = verify_certificate(signed(key), key.public_key())
    assert verified.verdict == "certified-with-remarks"
    assert verified.block == "messaging"
    assert verified.product == "Acme BV Acme Berichten 2.4.1"
    assert verified.key_fingerprint == fingerprint(key.public_key())
    standings = {item["id"]: item["standing"] for item in verified.payload["requirements"]}
    assert standings["GDI-MSG-001"] == "waived"
    assert standings["GDI-MSG-010"] == "failed"
    assert verified.payload["waivers"][0]["status"] == "applied"


def test_certificate_file_is_canonical_json() -> None:
    data = signed(Ed25519PrivateKey.generate())
    assert data.endswith(b"\n")
    assert rfc8785.dumps(json.loads(data)) == data[:-1]


@pytest.mark.slow  # seconds of work: the full lane runs it
def test_every_changed_byte_fails_verification() -> None:
    key = Ed25519PrivateKey.generate()
    data = signed(key)
    # Every position, two different changes each: a low bit and a high bit.
    for position in range(len(data)):
        for mask in (0x01, 0x20):
            tampered = bytearray(data)
            tampered[position] ^= mask
            with pytest.raises(CertificateInvalid):
                verify_certificate(bytes(tampered), key.public_key())


def test_added_or_removed_bytes_fail_verification() -> None:
    key = Ed25519PrivateKey.generate()
    data = signed(key)
    for tampered in (data + b"\n", data[:-1], b" " + data, data.replace(b'":', b'": ', 1)):
        with pytest.raises(CertificateInvalid):
            verify_certificate(tampered, key.public_key())


def test_re_signed_content_with_another_key_fails() -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    with pytest.raises(CertificateInvalid, match="not by the given key"):
        verify_certificate(signed(other), key.public_key())


def test_changed_verdict_fails_even_when_kept_canonical() -> None:
    key = Ed25519PrivateKey.generate()
    document = json.loads(signed(key))
    document["certificate"]["verdict"] = "certified"
    forged = rfc8785.dumps(document) + b"\n"
    with pytest.raises(CertificateInvalid, match="signature does not match"):
        verify_certificate(forged, key.public_key())


def test_keypair_files_private_key_is_owner_only(tmp_path: Path) -> None:
    pair = generate_keypair(tmp_path / "keys")
    assert stat.S_IMODE(pair.private_path.stat().st_mode) == 0o600
    private = load_private_key(pair.private_path)
    public = load_public_key(pair.public_path)
    assert fingerprint(public) == fingerprint(private.public_key()) == pair.fingerprint
    assert pair.fingerprint.startswith("SHA256:") and len(pair.fingerprint) == 7 + 64


def test_keygen_never_overwrites(tmp_path: Path) -> None:
    generate_keypair(tmp_path)
    with pytest.raises(SigningKeyError, match="already exists"):
        generate_keypair(tmp_path)


def test_unusable_key_files_are_reported(tmp_path: Path) -> None:
    pair = generate_keypair(tmp_path)
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key\n")
    with pytest.raises(SigningKeyError, match="this is a private key"):
        load_public_key(pair.private_path)
    with pytest.raises(SigningKeyError, match="not a PEM public key"):
        load_public_key(junk)
    with pytest.raises(SigningKeyError, match="not an unencrypted PEM private key"):
        load_private_key(junk)
    with pytest.raises(SigningKeyError, match="cannot read"):
        load_private_key(tmp_path / "absent.pem")


def test_certificate_names_the_digest_of_the_report_as_written(tmp_path: Path) -> None:
    from conformance.reports.render import write_certificate, write_outputs
    from conformance.results import read_report

    report = make_report({"GDI-MSG-001": Outcome.FAILED})
    certification = certify(report, today=TODAY)
    write_outputs(report, certification, tmp_path, ("json",))
    key = Ed25519PrivateKey.generate()
    path = write_certificate(report, certification, tmp_path, key)
    verified = verify_certificate(path.read_bytes(), key.public_key())
    written = read_report(tmp_path / "report.json")
    assert verified.payload["run"]["report_sha256"] == report_digest(written)
