"""The register's JSON API over SQLite and PostgreSQL: publish, read back, idempotence,
self-assessment, expiry and outdated profiles, tokens, and the ADR rules it follows."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from register_env import ADMIN_TOKEN, Register
from register_signing import pem, signed
from sqlalchemy import func, select

from conformance.register.schema import runs, tokens


def run_count(register: Register) -> int:
    with register.engine.connect() as connection:  # type: ignore[attr-defined]
        return int(connection.execute(select(func.count()).select_from(runs)).scalar_one())


def test_published_runs_show_in_overview_product_diff_requirement_and_certificate(
    register: Register,
) -> None:
    first = signed(register.authority, run=1, issued_at="2026-11-01T10:00:00Z")
    second = signed(
        register.authority,
        run=2,
        failed=("GDI-MSG-001",),
        version="2.5.0",
        issued_at="2026-11-10T10:00:00Z",
    )
    with register.client(register.vendor_token) as client:
        answers = [
            client.post("/api/v1/publications", json=item.body()) for item in (first, second)
        ]
        assert [answer.status_code for answer in answers] == [201, 201]
        old, new = (answer.json()["certificate"] for answer in answers)
        assert old == hashlib.sha256(first.certificate).hexdigest()
        assert answers[1].headers["location"] == f"/api/v1/certificates/{new}"

        overview = client.get("/api/v1/overview").json()
        (cell,) = overview["cells"]
        assert cell["vendor"] == {"slug": "acme-bv", "name": "Acme BV"}
        assert cell["latest"]["certificate"] == new
        assert cell["latest"]["verdict"] == "not-certified"
        assert [item["score"] for item in cell["history"]] == [100, 75]
        assert client.get("/api/v1/overview?verdict=certified").json()["cells"] == []
        assert client.get("/api/v1/overview?vendor=other").json()["cells"] == []
        assert len(client.get("/api/v1/overview?block=messaging").json()["cells"]) == 1

        product = client.get("/api/v1/products/acme-bv/acme-berichten").json()
        (block,) = product["blocks"]
        assert [run["certificate"] for run in block["runs"]] == [new, old]

        diff = client.get(
            "/api/v1/products/acme-bv/acme-berichten/diff", params={"from": old, "to": new}
        ).json()
        assert diff["scoreChange"] == -25
        assert [(item["requirement"], item["from"], item["to"]) for item in diff["changed"]] == [
            ("GDI-MSG-001", "passed", "failed")
        ]

        requirement = client.get("/api/v1/requirements/GDI-MSG-001").json()
        assert requirement["level"] == "MUST"
        assert requirement["sources"][0]["url"].endswith("#%2Fcore%2Fversion-header")
        assert [item["outcome"] for item in requirement["products"]] == ["failed"]

        certificate = client.get(f"/api/v1/certificates/{new}").json()
        assert certificate["verified"] is True
        assert certificate["assessment"] == "authority"
        assert certificate["key"]["label"] == "Test CA"
        assert certificate["run"]["baseUrl"] == "http://127.0.0.1:8123/messaging/v1"
        assert certificate["run"]["seed"] == 2
        signed_file = client.get(f"/api/v1/certificates/{new}/signed")
        assert signed_file.content == second.certificate
        assert client.get(f"/api/v1/certificates/{new}/report").json() == second.report


def test_publishing_the_same_certificate_twice_is_one_entry(register: Register) -> None:
    item = signed(register.authority)
    with register.client(register.vendor_token) as client:
        first = client.post("/api/v1/publications", json=item.body())
        again = client.post("/api/v1/publications", json=item.body())
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["created"] is True and again.json()["created"] is False
    assert first.json()["certificate"] == again.json()["certificate"]
    assert run_count(register) == 1


def test_a_vendors_own_key_makes_a_self_assessed_entry_never_an_authority_one(
    register: Register,
) -> None:
    own = Ed25519PrivateKey.generate()
    admin = register.client(ADMIN_TOKEN)
    body = {"publicKey": pem(own), "kind": "vendor", "vendor": "Acme BV", "label": "Acme's key"}
    assert admin.post("/api/v1/keys", json=body).status_code == 201
    with register.client(register.vendor_token) as client:
        answer = client.post("/api/v1/publications", json=signed(own).body())
        assert answer.status_code == 201, answer.text
        sha = answer.json()["certificate"]
        certificate = client.get(f"/api/v1/certificates/{sha}").json()
        assert certificate["assessment"] == "self-assessed"
        assert certificate["key"]["kind"] == "vendor"
        cell = client.get("/api/v1/overview").json()["cells"][0]
        assert cell["latest"]["assessment"] == "self-assessed"
        badge = client.get("/badges/acme-bv/acme-berichten/messaging.svg")
        assert "self-assessed" in badge.text
    # Another vendor's own key cannot vouch for Acme's product.
    other = Ed25519PrivateKey.generate()
    body = {"publicKey": pem(other), "kind": "vendor", "vendor": "Other BV", "label": "Other"}
    assert admin.post("/api/v1/keys", json=body).status_code == 201
    refused = admin.post("/api/v1/publications", json=signed(other, run=7).body())
    assert refused.status_code == 403, refused.text
    assert run_count(register) == 1
    admin.close()


def test_certificates_expire_and_go_outdated_when_a_newer_profile_version_appears(
    register: Register,
) -> None:
    old = signed(register.authority, run=1, issued_at="2020-01-01T00:00:00Z")
    current = signed(register.authority, run=2, issued_at="2026-11-01T00:00:00Z")
    with register.client(register.vendor_token) as client:
        shas = [
            client.post("/api/v1/publications", json=s.body()).json()["certificate"]
            for s in (old, current)
        ]
        standings = [client.get(f"/api/v1/certificates/{sha}").json()["standing"] for sha in shas]
        assert standings == ["expired", "valid"]
        expired_page = client.get(f"/certificates/{shas[0]}", params={"lang": "nl"}).text
        assert "Dit certificaat is verlopen." in expired_page
        badge = client.get("/badges/acme-bv/acme-berichten/messaging.svg").text
        assert "certified · 100</text>" in badge  # the newest run, still valid
        newer = signed(
            register.authority,
            run=3,
            product="Acme Berichten Pro",
            profile_version="1.1.0",
            issued_at="2026-11-02T00:00:00Z",
        )
        assert client.post("/api/v1/publications", json=newer.body()).status_code == 201
        now = client.get(f"/api/v1/certificates/{shas[1]}").json()
        assert now["standing"] == "outdated"
        assert now["newerProfileVersion"] == "1.1.0"
        page = client.get(f"/certificates/{shas[1]}", params={"lang": "en"}).text
        assert "profile version 1.1.0 of this block" in page


def test_tokens_are_stored_hashed_and_a_wrong_token_changes_nothing(register: Register) -> None:
    item = signed(register.authority)
    for token in (None, "gdir_wrong", register.vendor_token + "x"):
        with register.client(token) as client:
            answer = client.post("/api/v1/publications", json=item.body())
            assert answer.status_code == 401
            assert answer.headers["www-authenticate"] == "Bearer"
            assert answer.headers["content-type"] == "application/problem+json"
            key = {"publicKey": pem(Ed25519PrivateKey.generate()), "kind": "authority"}
            assert client.post("/api/v1/keys", json=key).status_code == 401
    with register.client(register.vendor_token) as client:
        key = {"publicKey": pem(Ed25519PrivateKey.generate()), "kind": "authority"}
        assert client.post("/api/v1/keys", json=key).status_code == 403
        assert client.post("/api/v1/vendor-tokens", json={"vendor": "Acme BV"}).status_code == 403
        assert len(client.get("/api/v1/keys").json()["keys"]) == 1
    assert run_count(register) == 0
    with register.engine.connect() as connection:  # type: ignore[attr-defined]
        stored = [row for row in connection.execute(select(tokens)).all()]
    assert len(stored) == 2
    text = repr(stored)
    assert register.vendor_token not in text and ADMIN_TOKEN not in text


def test_a_vendor_token_publishes_only_that_vendors_products(register: Register) -> None:
    theirs = signed(register.authority, vendor="Other BV", product="Berichtendienst")
    with register.client(register.vendor_token) as client:
        answer = client.post("/api/v1/publications", json=theirs.body())
    assert answer.status_code == 403
    assert "Acme BV" in answer.json()["detail"]
    assert run_count(register) == 0


def test_a_revoked_key_no_longer_publishes_and_its_certificates_say_so(register: Register) -> None:
    item = signed(register.authority)
    with register.client(register.vendor_token) as client:
        sha = client.post("/api/v1/publications", json=item.body()).json()["certificate"]
    fingerprint = hashlib.sha256(register.authority.public_key().public_bytes_raw()).hexdigest()
    with register.client(ADMIN_TOKEN) as admin:
        assert admin.delete(f"/api/v1/keys/{fingerprint}").status_code == 204
        later = signed(register.authority, run=2)
        refused = admin.post("/api/v1/publications", json=later.body())
        assert refused.status_code == 403
        assert "no longer trusts" in refused.json()["detail"]
        certificate = admin.get(f"/api/v1/certificates/{sha}").json()
    assert certificate["verified"] is False
    assert "revoked" in certificate["verificationProblem"]
    assert run_count(register) == 1


def test_the_api_follows_the_adr_rules_it_enforces(register: Register) -> None:
    with register.client() as client:
        answer = client.get("/api/v1/overview")
        assert answer.headers["api-version"] == "1.0.0"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        slash = client.get("/api/v1/overview/")
        assert slash.status_code == 404 and "location" not in slash.headers
        not_allowed = client.delete("/api/v1/keys")
        assert not_allowed.status_code == 405
        assert not_allowed.headers["allow"] == "GET, POST"
        assert not_allowed.headers["content-type"] == "application/problem+json"
        bad = client.get("/api/v1/products/ACME/x")
        assert bad.status_code == 400
        assert bad.json()["invalidParams"][0]["name"] == "vendor"
        spec = client.get("/api/v1/openapi.json")
        assert spec.headers["access-control-allow-origin"] == "*"
        assert spec.json()["info"]["title"] == "GDI conformance register"
        missing = client.get("/api/v1/certificates/" + "0" * 64)
        assert missing.status_code == 404
        assert missing.json()["status"] == 404


def test_the_migrations_create_exactly_the_tables_the_code_reads(register: Register) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from conformance.register.schema import metadata

    with register.engine.connect() as connection:  # type: ignore[attr-defined]
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_pages_follow_accept_language_unless_the_switch_says_otherwise(register: Register) -> None:
    with register.client() as client:
        dutch = client.get("/", headers={"Accept-Language": "fr;q=1, nl-NL;q=0.8, en;q=0.5"})
        assert dutch.headers["content-language"] == "nl"
        assert "<h1>Overzicht</h1>" in dutch.text
        assert 'href="/?lang=en"' in dutch.text  # the switch
        english = client.get("/?lang=en", headers={"Accept-Language": "nl"})
        assert english.headers["content-language"] == "en"
        assert "<h1>Overview</h1>" in english.text
        assert client.get("/").headers["content-language"] == "en"
        assert "style-src 'self'" in english.headers["content-security-policy"]
        assert client.get("/products/acme-bv/none?lang=nl").status_code == 404


def test_the_overview_page_shows_a_hundred_cells_a_page(register: Register) -> None:
    items = [signed(register.authority, product=f"Product {n:03d}", run=n) for n in range(101)]
    with register.client(register.vendor_token) as client:
        for item in items:
            assert client.post("/api/v1/publications", json=item.body()).status_code == 201
        first = client.get("/?lang=en")
        assert first.text.count('class="cell"') == 100
        assert "page 1 of 2" in first.text
        second = client.get("/?lang=en&page=2")
        assert second.text.count('class="cell"') == 1 and "Product 100" in second.text
        overview = client.get("/api/v1/overview").json()
        assert overview["totalCells"] == len(overview["cells"]) == 101


def test_the_register_never_loads_the_engine() -> None:
    import subprocess
    import sys

    code = (
        "import sys, conformance.register.app, conformance.cli.register, conformance.cli.publish;"
        "print(sorted(m for m in sys.modules if m.startswith(('conformance.engine', "
        "'building_blocks', 'schemathesis'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"


def test_admin_operations_refuse_what_the_spec_calls_invalid(register: Register) -> None:
    key = pem(Ed25519PrivateKey.generate())
    invalid = [
        ("/api/v1/vendor-tokens", {"label": None, "vendor": "0"}, "label"),
        ("/api/v1/vendor-tokens", {"vendor": "../etc"}, "vendor"),
        ("/api/v1/vendor-tokens", {"vendor": " Acme"}, "vendor"),
        ("/api/v1/keys", {"publicKey": "", "kind": "authority"}, "publicKey"),
        ("/api/v1/keys", {"publicKey": key.strip() + "\n\n", "kind": "authority"}, "publicKey"),
        ("/api/v1/keys", {"publicKey": key, "kind": "authority", "label": None}, "label"),
        ("/api/v1/keys", {"publicKey": key, "kind": "vendor", "vendor": None}, "vendor"),
    ]
    with register.client(ADMIN_TOKEN) as admin:
        for path, body, field in invalid:
            answer = admin.post(path, json=body)
            assert answer.status_code == 400, (body, answer.text)
            assert answer.json()["invalidParams"][0]["name"] == field
        made = admin.post("/api/v1/vendor-tokens", json={"vendor": "0"})
        assert made.status_code == 201 and made.json()["vendor"]["slug"] == "0"


def test_a_trusted_key_is_read_where_its_creation_says_and_is_gone_once_revoked(
    register: Register,
) -> None:
    key = {"publicKey": pem(Ed25519PrivateKey.generate()), "kind": "authority", "label": "CA 2"}
    with register.client(ADMIN_TOKEN) as admin:
        created = admin.post("/api/v1/keys", json=key)
        assert created.status_code == 201, created.text
        location = created.headers["location"]
        assert location.endswith(created.json()["fingerprint"].removeprefix("SHA256:"))
        read = admin.get(location)
        assert read.status_code == 200 and read.json()["label"] == "CA 2"
        assert admin.delete(location).status_code == 204
        gone = admin.get(location)
        assert gone.status_code == 404 and "revoked" in gone.json()["detail"]
        listed = admin.get("/api/v1/keys").json()["keys"]
        assert [item["revokedAt"] is not None for item in listed] == [False, True]
