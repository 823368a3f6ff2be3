"""Login drivers: the built-in test login, and how a vendor's driver is found (module:callable,
the environment, an entry point), with one clear error for each way that can go wrong."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

from conformance.client import login
from conformance.client.login import (
    LoginDriverError,
    LoginRequest,
    NoRedirect,
    load_login_driver,
)
from conformance.httplimits import Exchange, ReceivedResponse, SentRequest


def _answer(status: int, location: str | None = None) -> Exchange:
    headers = {"location": location} if location else {}
    return Exchange(SentRequest("GET", "x"), ReceivedResponse(status, headers, b""))


def test_the_test_login_puts_the_citizen_in_login_hint_and_returns_the_redirect() -> None:
    asked: list[str] = []

    def get(url: str) -> Exchange:
        asked.append(url)
        return _answer(302, "https://portal.example/callback?code=abc&state=s")

    request = LoginRequest("https://idp.example/authorize?client_id=c", "x", "999993653", get)
    assert login.test_login(request) == "https://portal.example/callback?code=abc&state=s"
    assert asked == ["https://idp.example/authorize?client_id=c&login_hint=999993653"]


def test_the_test_login_resolves_a_relative_location() -> None:
    request = LoginRequest(
        "https://idp.example/oidc/authorize?a=1", "x", "999993653", lambda url: _answer(303, "/cb")
    )
    assert login.test_login(request) == "https://idp.example/cb"


@pytest.mark.parametrize(
    "exchange", [_answer(200), _answer(403), Exchange(SentRequest("GET", "x"))]
)
def test_no_redirect_back_is_no_redirect(exchange: Exchange) -> None:
    request = LoginRequest("https://idp.example/authorize", "x", "999993653", lambda _: exchange)
    with pytest.raises(NoRedirect):
        login.test_login(request)


def drive(request: LoginRequest) -> str:  # a driver this module offers to the loader
    return request.redirect_uri


def test_a_driver_is_found_by_module_and_callable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(login.ENVIRONMENT_VARIABLE, raising=False)
    assert load_login_driver() is login.test_login
    assert load_login_driver("test-login") is login.test_login
    assert load_login_driver(f"{__name__}:drive") is drive
    monkeypatch.setenv(login.ENVIRONMENT_VARIABLE, f"{__name__}:drive")
    assert load_login_driver() is drive
    assert load_login_driver("test-login") is login.test_login  # the command line wins


def test_a_driver_is_found_by_entry_point_name(monkeypatch: pytest.MonkeyPatch) -> None:
    point = EntryPoint("acme-idp", f"{__name__}:drive", login.ENTRY_POINT_GROUP)
    monkeypatch.setattr(login, "entry_points", lambda group: [point])
    assert load_login_driver("acme-idp") is drive
    with pytest.raises(LoginDriverError, match="known: test-login, acme-idp"):
        load_login_driver("other-idp")


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ("no_such_module_here:drive", "cannot import no_such_module_here"),
        (f"{__name__}:missing", "has no missing"),
        (":drive", "expected module:callable"),
        ("unknown-name", "no login driver named 'unknown-name'"),
    ],
)
def test_a_driver_that_cannot_be_loaded_says_why(choice: str, message: str) -> None:
    with pytest.raises(LoginDriverError, match=message):
        load_login_driver(choice)


def test_a_run_whose_driver_cannot_be_loaded_does_not_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from conformance.engine.running.errors import RunSetupError
    from conformance.engine.running.runner import RunConfig, run
    from conformance.spec.catalog import resolve_block

    monkeypatch.delenv(login.ENVIRONMENT_VARIABLE, raising=False)
    profile, spec = resolve_block("identity")
    config = RunConfig(  # nothing listens there: refused before the target is even asked
        spec=spec,
        base_url="http://127.0.0.1:9/identity/v1",
        profile=profile,
        login_driver="no_such_module_here:drive",
    )
    with pytest.raises(RunSetupError, match="cannot import no_such_module_here"):
        run(config)
