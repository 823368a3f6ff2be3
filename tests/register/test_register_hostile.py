"""Hostile publications: each is refused with a clear message, and nothing is stored or
overwritten (the database holds the same rows before and after)."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from register_env import ADMIN_TOKEN, Register
from register_signing import Signed, signed
from sqlalchemy import select

from conformance.register.schema import metadata


def snapshot(register: Register) -> dict[str, list[tuple[object, ...]]]:
    with register.engine.connect() as connection:  # type: ignore[attr-defined]
        return {
            table.name: sorted(tuple(row) for row in connection.execute(select(table)))
            for table in metadata.sorted_tables
        }


def refused(register: Register, body: object, token: str | None = None) -> tuple[int, str]:
    before = snapshot(register)
    with register.client(token or register.vendor_token) as client:
        answer = client.post("/api/v1/publications", json=body)
    assert answer.headers["content-type"] == "application/problem+json"
    assert snapshot(register) == before, "a refused publication changed the database"
    return answer.status_code, answer.json()["detail"]


def tampered(item: Signed, old: bytes, new: bytes) -> Signed:
    assert old in item.certificate
    return Signed(item.certificate.replace(old, new, 1), item.report)


def test_a_tampered_certificate_is_refused(register: Register) -> None:
    item = signed(register.authority, failed=("GDI-MSG-001",))
    forged = tampered(item, b'"verdict":"not-certified"', b'"verdict":"certified"')
    status, detail = refused(register, forged.body())
    assert status == 403
    assert "signature does not match" in detail and "nothing was stored" in detail
    reindented = Signed(json.dumps(json.loads(item.certificate), indent=1).encode(), item.report)
    status, detail = refused(register, reindented.body())
    assert (status, "changed after signing" in detail) == (403, True)


def test_a_certificate_signed_by_an_untrusted_key_is_refused(register: Register) -> None:
    stranger = Ed25519PrivateKey.generate()
    status, detail = refused(register, signed(stranger).body())
    assert status == 403
    assert "does not trust" in detail


def test_a_report_that_is_not_the_certified_one_is_refused(register: Register) -> None:
    item = signed(register.authority)
    changed = dict(item.report, seed=item.report["seed"] + 1)
    status, detail = refused(
        register, {"certificate": item.certificate.decode(), "report": changed}
    )
    assert status == 400 and "not the report this certificate was issued for" in detail
    status, detail = refused(register, {"certificate": item.certificate.decode(), "report": {}})
    assert status == 400 and detail.startswith("report.json")


def test_an_oversized_upload_is_refused(register: Register) -> None:
    item = signed(register.authority)
    padded = dict(item.report, padding="x" * (3 * 1024 * 1024))
    status, detail = refused(register, {"certificate": item.certificate.decode(), "report": padded})
    assert status == 413 and "larger than" in detail


@pytest.mark.parametrize(
    ("vendor", "product"),
    [
        ("../../etc", "passwd"),
        ("Acme BV", "../acme-berichten"),
        ("Acme BV", "a/b"),
        ("Acme BV", "..\\x"),
        ("Acme BV", "line\nbreak"),
        ("Acme BV", "///"),
    ],
)
def test_path_tricks_in_vendor_or_product_names_are_refused(
    register: Register, vendor: str, product: str
) -> None:
    status, detail = refused(
        register, signed(register.authority, vendor=vendor, product=product).body(), ADMIN_TOKEN
    )
    assert status == 400
    assert "nothing was stored" in detail or "control characters" in detail


def test_a_name_that_would_take_over_another_products_address_is_refused(
    register: Register,
) -> None:
    with register.client(register.vendor_token) as client:
        assert (
            client.post("/api/v1/publications", json=signed(register.authority).body()).status_code
            == 201
        )
    lookalike = signed(register.authority, product="ACME  berichten!", run=2)
    status, detail = refused(register, lookalike.body())
    assert status == 409
    assert "belongs to the product 'Acme Berichten'" in detail
    status, detail = refused(
        register, signed(register.authority, vendor="acme-bv", run=3).body(), ADMIN_TOKEN
    )
    assert status == 409 and "belongs to the vendor 'Acme BV'" in detail


@pytest.mark.parametrize("certificate", ["not json", "", "{}", '{"signature": {}}'])
def test_text_that_is_not_a_trusted_certificate_is_forbidden(
    register: Register, certificate: str
) -> None:
    # Well-formed by the spec (any string), but not signed by a key the register trusts.
    status, detail = refused(register, {"certificate": certificate, "report": {}})
    assert status == 403
    assert "certificate" in detail


@pytest.mark.parametrize(
    "body",
    [
        {"certificate": 5, "report": {}},
        {"report": {}},
        {"certificate": "{}", "report": {}, "extra": 1},
        [],
    ],
)
def test_malformed_publications_are_refused(register: Register, body: object) -> None:
    status, _detail = refused(register, body)
    assert status == 400


@pytest.mark.parametrize(
    "path",
    [
        "/badges/acme-bv/%2e%2e/messaging.svg",
        "/badges/acme-bv/acme-berichten/..%2F..%2Fetc%2Fpasswd.svg",
        "/products/acme-bv/..%2Facme-berichten",
        "/api/v1/products/%2e%2e/acme-berichten",
        "/certificates/..%2F..%2Fregister.sqlite3",
    ],
)
def test_path_tricks_in_addresses_find_nothing(register: Register, path: str) -> None:
    with register.client(register.vendor_token) as client:
        assert (
            client.post("/api/v1/publications", json=signed(register.authority).body()).status_code
            == 201
        )
        answer = client.get(path)
    assert answer.status_code in (400, 404), answer.text
    assert "SQLite" not in answer.text and "Acme Berichten" not in answer.text
