"""The reference registries and messaging blocks accept the tokens of an OpenID provider nobody
here wrote: npm oidc-provider in its NL GOV configuration, whose access tokens are opaque.

The blocks find the provider by discovery from its issuer (the server root) and introspect its
tokens (RFC 7662) as their own clients (``fixtures/oidc-provider/clients.json``, private_key_jwt);
``gdi-conformance interop`` plays both life events with the provider as the identity block,
through its own login and consent pages (the vendor file's form login).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from support.oidc_provider import FIXTURE, running_oidc_provider

from building_blocks.common.process import BlockProcess
from building_blocks.common.server import Introspection
from conformance.cli import main
from conformance.client import oauth
from conformance.interop.people import load_persons
from conformance.paths import seed_root

pytestmark = pytest.mark.slow

RESOURCE_SERVERS = ("registries", "messaging")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The provider (nlgov) and the reference registries and messaging blocks trusting it."""
    tmp = tmp_path_factory.mktemp("oidc-provider-interop")
    with running_oidc_provider(tmp, "nlgov") as issuer:
        introspection = {
            block: Introspection(
                f"{block}-resource-server",
                FIXTURE / "keys" / f"{block}-resource-server.key.pem",
            )
            for block in RESOURCE_SERVERS
        }
        urls = {"identity": issuer}
        processes = []
        try:
            for block in RESOURCE_SERVERS:
                process = BlockProcess(
                    block,
                    data_dir=tmp / block,
                    identity_url=issuer,
                    introspection=introspection,
                    log_path=tmp / f"{block}.log",
                )
                processes.append(process)
                urls[block] = process.start(60)
            yield urls
        finally:
            for process in processes:
                process.stop()


def vendor_file(directory: Path, urls: dict[str, str]) -> Path:
    """The provider's vendor file, with where everything runs and every test person as a
    citizen who logs in with their BSN."""
    document = yaml.safe_load((FIXTURE / "gdi-conformance.yaml").read_text(encoding="utf-8"))
    identity = document["identity"]
    identity["issuer"] = urls["identity"]
    for client in identity["clients"]:
        client["key"] = str((FIXTURE / client["key"]).resolve())
    identity["users"]["citizens"] = [
        {"bsn": person.bsn, "login": person.bsn, "password": "any-password-will-do"}
        for person in load_persons()
    ]
    for block in RESOURCE_SERVERS:
        if block in urls:
            document[block] = {"base_url": urls[block]}
    path = directory / "gdi-conformance.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_life_events_pass_with_oidc_provider_as_identity(deployment, tmp_path, capsys):
    config = vendor_file(tmp_path, deployment)
    reports = tmp_path / "reports"
    code = main(["interop", "--config", str(config), "--report-dir", str(reports), "--seed", "7"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "geboorte passed" in out and "verhuizing passed" in out
    report = json.loads((reports / "report.json").read_text(encoding="utf-8"))
    summary = report["summary"]
    assert summary["requirements"]["passed"] == 2 and summary["must_failed"] == []
    # Every citizen's login through the provider's own pages is evidence of its life event,
    # with the step that needed it; no password, cookie, code or token shows.
    for requirement in report["requirements"]:
        assert requirement["logins"], requirement["id"]
        for login in requirement["logins"]:
            assert login["driver"] == "form" and login["check"].startswith("interop:")
            assert login["outcome"] == "redirected back to the client with a code"
            methods = [step["request"]["method"] for step in login["steps"]]
            assert methods.count("POST") == 2, methods
    for name in ("report.json", "report.html"):
        text = (reports / name).read_text(encoding="utf-8")
        assert "any-password-will-do" not in text and "eyJ" not in text
        assert "password=[REDACTED]" in text


def test_a_matrix_entry_takes_the_provider_from_its_vendor_file(tmp_path, capsys):
    """The matrix names the provider's vendor file: its issuer, clients, citizens and form
    login; the reference registries and messaging blocks are started for it, introspecting
    its opaque tokens as their own clients. Both life events pass."""
    with running_oidc_provider(tmp_path, "nlgov") as issuer:
        vendor_file(tmp_path, {"identity": issuer})
        keys = FIXTURE / "keys"
        resource_servers = {
            block: [{
                "name": "reference",
                "reference": True,
                "introspection": {
                    "client_id": f"{block}-resource-server",
                    "key": str(keys / f"{block}-resource-server.key.pem"),
                },
            }]
            for block in RESOURCE_SERVERS
        }  # fmt: skip
        matrix = tmp_path / "matrix.yaml"
        document = {
            "identity": [{"name": "oidc-provider", "config": "gdi-conformance.yaml"}],
            **resource_servers,
        }
        matrix.write_text(yaml.safe_dump(document), encoding="utf-8")
        reports = tmp_path / "reports"
        code = main(
            ["interop", "--config", str(matrix), "--report-dir", str(reports), "--seed", "7",
             "--data-dir", str(tmp_path / "data")]
        )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    overview = json.loads((reports / "matrix.json").read_text(encoding="utf-8"))
    (cell,) = overview["combinations"]
    assert cell["identity"] == {"name": "oidc-provider", "base_url": issuer}
    assert {item["scenario"]: item["outcome"] for item in cell["scenarios"]} == {
        "geboorte": "passed",
        "verhuizing": "passed",
    }
    text = (reports / cell["report"]).read_text(encoding="utf-8")
    assert "any-password-will-do" not in text


def organisation_token(issuer: str, scope: str) -> str:
    metadata = oauth.discover(issuer)
    key = oauth.load_private_key(seed_root() / "identity" / "keys" / "gemeente-utrecht.key.pem")
    response = httpx.post(
        metadata.token_endpoint,
        data={
            "grant_type": "client_credentials",
            "scope": scope,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": oauth.client_assertion(
                "gemeente-utrecht", key, metadata.token_endpoint
            ),
        },
        trust_env=False,
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    assert token.count(".") != 2  # opaque: the blocks must introspect it
    return token


def subscriptions(deployment: dict[str, str], token: str) -> httpx.Response:
    return httpx.get(
        f"{deployment['messaging']}/subscriptions",
        headers={"Authorization": f"Bearer {token}"},
        trust_env=False,
    )


def test_an_introspected_token_is_accepted_only_by_its_audience(deployment):
    messaging = organisation_token(deployment["identity"], "messaging:subscribe")
    registries = organisation_token(deployment["identity"], "registries:read")
    assert subscriptions(deployment, messaging).status_code == 200
    refused = subscriptions(deployment, registries)
    assert refused.status_code == 401
    assert "not meant for this service" in refused.json()["detail"]


def test_an_unknown_opaque_token_is_refused(deployment):
    refused = subscriptions(deployment, secrets.token_urlsafe(32))
    assert refused.status_code == 401
    assert "not active" in refused.json()["detail"]
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]


def test_a_resource_server_that_cannot_introspect_is_blamed_not_the_provider(
    deployment, tmp_path, capsys
):
    # A messaging block that was given no introspection client refuses every opaque token;
    # the harness asks the provider about the token (as the client it was issued to), finds
    # it fit, and blames messaging.
    blind = BlockProcess(
        "messaging",
        data_dir=tmp_path / "blind",
        identity_url=deployment["identity"],
        log_path=tmp_path / "blind.log",
    )
    try:
        urls = {**deployment, "messaging": blind.start(60)}
        config = vendor_file(tmp_path, urls)
        reports = tmp_path / "reports"
        code = main(
            ["interop", "--config", str(config), "--report-dir", str(reports), "--seed", "7",
             "--scenario", "geboorte"]
        )  # fmt: skip
    finally:
        blind.stop()
    out = capsys.readouterr().out
    assert code == 1, out
    assert "geboorte failed at subscribe (messaging 'messaging' at fault)" in out
    assert "although the access token meets the identity profile" in out
