"""npm oidc-provider, unpatched, as an independent identity implementation.

Started on loopback by ``support.oidc_provider`` in its NL GOV configuration and in its default
one; the harness finds it from its issuer (the server root) and logs a citizen in through the
provider's own login and consent pages with the declarative form driver.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import jwt
import pytest
import yaml
from support.oidc_provider import FIXTURE, running_oidc_provider

from conformance import httplimits
from conformance.cli import main
from conformance.client import oauth
from conformance.client.credentials import Subjects
from conformance.client.login import LoginRequest, NoRedirect
from conformance.client.login_browser import INTERCEPTED
from conformance.client.login_form import FormLogin, FormLoginDriver
from conformance.engine.config import RunConfig
from conformance.engine.running.runner import run
from conformance.httplimits import Exchange, HttpClient
from conformance.paths import seed_root
from conformance.results import Outcome, RunReport, read_report
from conformance.spec.catalog import resolve_block
from conformance.spec.vendor import load_vendor_config

pytestmark = pytest.mark.slow

KEYS = seed_root() / "identity" / "keys"
PORTAL = "burger-portaal"
REDIRECT = "https://burger-portaal.example/callback"
CITIZEN = "999993653"
# What the provider's development login takes: any login (the BSN) and any password, then consent.
FORM_LOGIN = {
    "steps": [
        {"match": "/interaction/", "fields": {"login": "{bsn}", "password": "any"}},
        {"match": "/interaction/"},
    ]
}


@pytest.fixture(scope="module", params=["nlgov", "default"])
def provider(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    with running_oidc_provider(tmp_path_factory.mktemp("oidc-provider"), request.param) as issuer:
        yield request.param, issuer


def log_in(issuer: str, scope: str) -> tuple[str, str, list[Exchange]]:
    """(redirect back to the portal, PKCE verifier, every exchange of the login)."""
    metadata = oauth.discover(issuer)
    assert metadata.authorization_endpoint is not None
    verifier, challenge = oauth.pkce_pair()
    params = {
        "response_type": "code", "client_id": PORTAL, "redirect_uri": REDIRECT, "scope": scope,
        "state": "state-1", "nonce": "nonce-1", "code_challenge": challenge,
        "code_challenge_method": "S256",
    }  # fmt: skip
    url = metadata.authorization_endpoint + "?" + urlencode(params)
    sent: list[Exchange] = []
    with HttpClient(timeout=10, max_response_bytes=1 << 20) as http:

        def send(
            method: str,
            address: str,
            headers: Mapping[str, str],
            body: bytes | None,
            cookies: httpx.Cookies | None = None,
        ) -> Exchange:
            exchange = http.send(method, address, headers=dict(headers), body=body, cookies=cookies)
            sent.append(exchange)
            return exchange

        driver = FormLoginDriver(FormLogin.from_config(FORM_LOGIN))
        request = LoginRequest(url, REDIRECT, CITIZEN, lambda u: send("GET", u, {}, None), send)
        return driver(request), verifier, sent


def test_discovered_from_the_issuer_at_the_server_root(provider: tuple[str, str]) -> None:
    _profile, issuer = provider
    metadata = oauth.discover(issuer)
    assert metadata.issuer == issuer
    assert metadata.token_endpoint == issuer + "/token"  # not the catalogue's /oidc/token


def test_organisation_token_with_private_key_jwt(provider: tuple[str, str]) -> None:
    _profile, issuer = provider
    token = oauth.fetch_client_credentials(
        issuer, "gemeente-utrecht", KEYS / "gemeente-utrecht.key.pem", ["messaging:send"]
    )
    assert token.token_type == "Bearer" and token.scope == "messaging:send"


def test_form_login_through_the_providers_own_pages(provider: tuple[str, str]) -> None:
    profile, issuer = provider
    location, verifier, sent = log_in(issuer, "openid")
    values = dict(parse_qsl(urlsplit(location).query))
    assert values["state"] == "state-1" and values.get("code")
    # Every step is an exchange: the 303 to the login page, the login form POST, the consent.
    methods = [exchange.request.method for exchange in sent]
    assert methods.count("POST") == 2, methods
    assert {exchange.response.status for exchange in sent if exchange.response} >= {200, 303}
    metadata = oauth.discover(issuer)
    form = {
        "grant_type": "authorization_code", "code": values["code"], "redirect_uri": REDIRECT,
        "code_verifier": verifier,
        "client_assertion_type": oauth.JWT_BEARER,
        "client_assertion": oauth.client_assertion(
            PORTAL, KEYS / f"{PORTAL}.key.pem", metadata.token_endpoint
        ),
    }  # fmt: skip
    body = httpx.post(metadata.token_endpoint, data=form, timeout=10).json()
    claims = jwt.decode(body["id_token"], options={"verify_signature": False})
    assert claims["bsn"] == CITIZEN  # burger-portaal may see the BSN
    if profile == "nlgov":
        assert claims["sub"] != CITIZEN and claims["exp"] - claims["iat"] == 300
    else:
        assert claims["exp"] - claims["iat"] == 3600  # the library's default


def test_form_login_says_which_page_it_could_not_handle(
    provider: tuple[str, str], tmp_path: Path
) -> None:
    _profile, issuer = provider
    metadata = oauth.discover(issuer)
    assert metadata.authorization_endpoint is not None
    driver = FormLoginDriver(FormLogin.from_config({"steps": [{"match": "/nowhere/"}]}))
    with HttpClient(timeout=10, max_response_bytes=1 << 20) as http:
        url = metadata.authorization_endpoint + "?" + urlencode(
            {"response_type": "code", "client_id": PORTAL, "redirect_uri": REDIRECT,
             "scope": "openid", "state": "s", "code_challenge": oauth.pkce_pair()[1],
             "code_challenge_method": "S256"}
        )  # fmt: skip
        # The driver keeps the provider's interaction cookie only when it sends the requests.
        request = LoginRequest(
            url,
            REDIRECT,
            CITIZEN,
            lambda u: http.send("GET", u),
            lambda method, u, headers, body, cookies=None: http.send(
                method, u, headers=dict(headers), body=body, cookies=cookies
            ),
        )
        with pytest.raises(NoRedirect, match=r"no login step matches the page .*/interaction/"):
            driver(request)


# --- certification of the provider as it ships, with its vendor file ----------------------

VENDOR_FILE = FIXTURE / "gdi-conformance.yaml"
# What the library does the same in every configuration: waived in the NL GOV vendor file.
LIBRARY_DEVIATIONS = {"GDI-IDN-024", "GDI-IDN-041"}
# The default configuration's true findings, each with the clause it breaks.
DEFAULT_FINDINGS = {
    "GDI-IDN-010": "shared-secret client authentication advertised (NL GOV: private_key_jwt)",
    "GDI-IDN-020": "a code without PKCE S256 (NL GOV: PKCE required)",
    "GDI-IDN-024": "invalid_request where RFC 6749 5.2 names unauthorized_client",
    "GDI-IDN-026": "implicit and hybrid response types advertised (NL GOV: code flow only)",
    "GDI-IDN-030": "JWT access tokens without azp (NL GOV JWT bearer tokens)",
    "GDI-IDN-034": "ID tokens living 3600 s (GDI: at most 300)",
    "GDI-IDN-037": "no pairwise sub (OpenID Connect Core 8.1, NL GOV)",
    "GDI-IDN-041": "JWT access tokens that introspection cannot describe (RFC 7662 2.2)",
}


def vendor_file(directory: Path, issuer: str, *, waivers: bool) -> Path:
    """The fixture's vendor file for a provider at ``issuer`` (keys made absolute)."""
    document = yaml.safe_load(VENDOR_FILE.read_text(encoding="utf-8"))
    document["identity"]["issuer"] = issuer
    for client in document["identity"]["clients"]:
        client["key"] = str((FIXTURE / client["key"]).resolve())
    if not waivers:
        document["identity"].pop("waivers")
    path = directory / "gdi-conformance.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def certify(tmp_path: Path, profile: str, *, waivers: bool) -> tuple[int, RunReport, Path]:
    with running_oidc_provider(tmp_path, profile) as issuer:
        config = vendor_file(tmp_path, issuer, waivers=waivers)
        argv = ["certify", "--bb", "identity", "--config", str(config), "--seed", "7",
                "--max-examples", "5", "--report-dir", str(tmp_path / "reports")]  # fmt: skip
        code = main(argv)
    directory = tmp_path / "reports" / "identity"
    return code, read_report(directory / "report.json"), directory


def failed(report: RunReport, *levels: str) -> set[str]:
    return {
        item.id
        for item in report.requirements
        if item.outcome is Outcome.FAILED and item.level.value in levels
    }


# Every cookie value the provider set during the NL GOV certification (see the fixture).
SET_COOKIES: list[str] = []


@pytest.fixture(scope="module")
def nlgov_certification(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, RunReport, Path]:
    keep = httplimits._keep_cookies

    def noted(jar: httpx.Cookies, answer: httpx.Response) -> None:
        for cookie in answer.headers.get_list("set-cookie"):
            SET_COOKIES.append(cookie.split(";", 1)[0].partition("=")[2].strip('"'))
        keep(jar, answer)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(httplimits, "_keep_cookies", noted)
        return certify(tmp_path_factory.mktemp("nlgov"), "nlgov", waivers=True)


@pytest.fixture(scope="module")
def default_certification(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, RunReport, Path]:
    return certify(tmp_path_factory.mktemp("default"), "default", waivers=False)


def test_nl_gov_configuration_is_certified(
    nlgov_certification: tuple[int, RunReport, Path],
) -> None:
    code, report, directory = nlgov_certification
    assert code == 0
    certificate = json.loads((directory / "certificate.json").read_text(encoding="utf-8"))
    assert certificate["certificate"]["verdict"] == "certified"
    # Only the library's own deviations fail, each accepted by a waiver of the vendor file.
    assert failed(report, "MUST", "SHOULD") == LIBRARY_DEVIATIONS
    assert not [item.id for item in report.requirements if item.outcome is Outcome.ERROR]


def test_every_step_of_the_form_login_is_evidence_and_no_secret_shows(
    nlgov_certification: tuple[int, RunReport, Path],
) -> None:
    """The provider's login page, the login form POST, its redirects with cookies and the
    consent page: each request is in the report with the requirement whose check logged in;
    no password, cookie, code or token is."""
    _code, report, directory = nlgov_certification
    logins = [login for item in report.requirements for login in item.logins]
    done = [login for login in logins if login.outcome.endswith("with a code")]
    assert done and all(login.driver == "form" for login in logins)
    for login in done:
        steps = [(step.request.method, step.response.status if step.response else None)
                 for step in login.steps]  # fmt: skip
        # The authorization request, the login page, the login POST, the consent POST, and
        # the redirects between them, ending at the redirect back to the client.
        assert steps[0] == ("GET", 303) and steps[-1][1] in (302, 303), steps
        assert steps.count(("POST", 303)) == 2 and ("GET", 200) in steps, steps
        posted = [step.request.body or "" for step in login.steps if step.request.method == "POST"]
        assert "password=[REDACTED]" in posted[0] and "login=anna" in posted[0]
        sent_cookies = [step.request.headers.get("cookie") for step in login.steps[1:]]
        assert "[REDACTED]" in sent_cookies  # the interaction and session cookies went along
        last = login.steps[-1].response
        assert last is not None and "code=[REDACTED]" in last.headers["location"]
    assert SET_COOKIES, "the provider set no cookie: the login did not run through the jar"
    for name in ("report.json", "report.html"):
        text = (directory / name).read_text(encoding="utf-8")
        assert "any-password-will-do" not in text
        leaked = {value for value in SET_COOKIES if len(value) >= 6 and value in text}
        assert not leaked, f"cookie values in {name}"
        assert "eyJ" not in text, f"a JWT in {name}"
    assert 'id="logins"' in (directory / "report.html").read_text(encoding="utf-8")


def test_gateway_level_is_reported_apart(nlgov_certification: tuple[int, RunReport, Path]) -> None:
    """The ADR demands on OAuth endpoints fail on a provider as shipped, as MAY requirements."""
    _code, report, _directory = nlgov_certification
    gateway = failed(report, "MAY")
    assert {"GDI-IDN-050", "GDI-IDN-052", "GDI-IDN-056"} <= gateway


def test_default_configuration_is_not_certified_with_only_true_findings(
    default_certification: tuple[int, RunReport, Path],
) -> None:
    code, report, _directory = default_certification
    assert code == 1
    assert failed(report, "MUST", "SHOULD") == set(DEFAULT_FINDINGS)
    # Introspection-based checks that a JWT access token cannot reach are not executed, with
    # the reason; nothing else.
    errors = {item.id: item for item in report.requirements if item.outcome is Outcome.ERROR}
    assert set(errors) <= {"GDI-IDN-040", "GDI-IDN-042"}
    for item in errors.values():
        assert any("introspect" in message for message in item.errors), item.errors


@pytest.mark.parametrize(
    "requirement", sorted(DEFAULT_FINDINGS), ids=lambda r: f"{r} {DEFAULT_FINDINGS[r]}"
)
def test_default_configuration_true_finding(
    default_certification: tuple[int, RunReport, Path], requirement: str
) -> None:
    _code, report, _directory = default_certification
    result = next(item for item in report.requirements if item.id == requirement)
    assert result.outcome is Outcome.FAILED
    assert all(evidence.request is not None for evidence in result.failures)


def test_token_logs_a_citizen_in_through_the_vendor_files_form_login(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`token --citizen` goes through the configured driver: the provider's own login and
    consent pages, its 303 redirects and cookies."""
    with running_oidc_provider(tmp_path, "nlgov") as issuer:
        config = vendor_file(tmp_path, issuer, waivers=False)
        code = main(["token", "--config", str(config), "--client", "portal",
                     "--citizen", "999993653", "--id-token"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    claims = jwt.decode(captured.out.strip(), options={"verify_signature": False})
    assert claims["bsn"] == "999993653" and claims["aud"] == PORTAL
    assert claims["sub"] not in ("anna", "999993653")  # pairwise


LOGIN_FIELDS = {"login": "{login}", "password": "{password}"}


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_a_browser_login_is_evidence_too(tmp_path: Path) -> None:
    """The provider's pages played in headless chromium: the pages visited, the login form
    submitted and the redirect back are the steps of the login in the report, redacted."""
    profile, spec = resolve_block("identity")
    kept = tuple(item for item in profile.requirements if item.id == "GDI-IDN-004")
    with running_oidc_provider(tmp_path, "nlgov") as issuer:
        config = vendor_file(tmp_path, issuer, waivers=False)
        document = yaml.safe_load(config.read_text(encoding="utf-8"))
        document["identity"]["login"] = {
            "driver": "browser",
            "timeout": 60,
            "steps": [
                {
                    "match": "/interaction/",
                    "fields": {"login": "{login}", "password": "{password}"},
                },
                {"match": "/interaction/"},
            ],
        }
        config.write_text(yaml.safe_dump(document), encoding="utf-8")
        report = run(
            RunConfig(
                spec=spec,
                base_url=issuer,
                profile=dataclasses.replace(profile, requirements=kept),
                subjects=Subjects(),
                seed=7,
                phases=(),
                hypothesis_dir=tmp_path / "hypothesis",
                vendor=load_vendor_config(config),
            )
        )
    result = report.requirement("GDI-IDN-004")
    assert result.outcome is Outcome.PASSED, (result.reason, result.errors)
    (login, *_) = result.logins
    assert login.driver == "browser" and login.outcome.endswith("with a code"), login.outcome
    methods = [step.request.method for step in login.steps]
    assert methods[0] == "GET" and methods.count("POST") == 2, methods
    posted = next(step for step in login.steps if step.request.method == "POST")
    assert posted.request.body is not None and "password=[REDACTED]" in posted.request.body
    last = login.steps[-1]
    assert last.error == INTERCEPTED and "code=[REDACTED]" in last.request.url
    text = json.dumps(report.to_dict())
    assert "any-password-will-do" not in text and "eyJ" not in text
