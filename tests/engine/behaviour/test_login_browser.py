"""The headless-browser login driver on a login page that only exists through JavaScript
(the form driver, which does not run scripts, finds no form there)."""

from __future__ import annotations

import dataclasses
import json
import shutil
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from support.services import serve_asgi

from conformance.client.login import LoginRequest, NoRedirect
from conformance.client.login_browser import INTERCEPTED, BrowserLoginDriver
from conformance.client.login_form import FormLogin, FormLoginDriver
from conformance.engine.verdict.evidence import login_steps
from conformance.httplimits import Exchange, HttpClient
from conformance.results import Redactor

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium"),
]

REDIRECT = "https://portal.example/callback"
# The form is drawn by a script after the page loaded, as single-page login screens do.
LOGIN_PAGE = """<!doctype html><html><body><div id="app"></div><script>
setTimeout(() => {
  document.getElementById("app").innerHTML =
    '<form id="f" method="post" action="/login"><input name="username">' +
    '<input type="password" name="password"><input type="hidden" name="state" value="%s">' +
    '<button id="go" type="submit">Log in</button></form>';
}, 200);
</script></body></html>"""


async def authorize(request: Request) -> Response:
    return RedirectResponse("/login?" + urlencode({"state": request.query_params["state"]}), 302)


async def login(request: Request) -> Response:
    if request.method == "GET":
        return HTMLResponse(LOGIN_PAGE % request.query_params["state"])
    form = dict(parse_qsl((await request.body()).decode()))
    if form.get("username") != "anna" or form.get("password") != "s3cret-test-only":
        return HTMLResponse("wrong login", 401)
    target = REDIRECT + "?" + urlencode({"code": "code-1", "state": str(form["state"])})
    return RedirectResponse(target, 303)


APP = Starlette(
    routes=[Route("/authorize", authorize), Route("/login", login, methods=["GET", "POST"])]
)
STEPS = [{"match": "/login", "form": "#f", "submit": "#go",
          "fields": {"username": "{login}", "password": "{password}"}}]  # fmt: skip


def request_for(origin: str, http: HttpClient, record: list[Exchange]) -> LoginRequest:
    return LoginRequest(
        f"{origin}/authorize?state=s-1",
        REDIRECT,
        "999993653",
        lambda url: http.send("GET", url),
        lambda method, url, headers, body, cookies=None: http.send(
            method, url, headers=dict(headers), body=body, cookies=cookies
        ),
        {"login": "anna", "password": "s3cret-test-only"},
        record.append,
    )


def test_the_browser_driver_logs_in_where_a_script_draws_the_form() -> None:
    recorded: list[Exchange] = []
    with serve_asgi(APP) as origin, HttpClient(timeout=10, max_response_bytes=1 << 20) as http:
        driver = BrowserLoginDriver.from_config({"steps": STEPS, "timeout": 60})
        location = driver(request_for(origin, http, recorded))
    values = dict(parse_qsl(urlsplit(location).query))
    assert location.startswith(REDIRECT) and values == {"code": "code-1", "state": "s-1"}
    # Every request of the browser is kept, with its answer: 302, the page, the 303 after POST.
    seen = [(item.request.method, item.response.status) for item in recorded if item.response]
    assert ("GET", 302) in seen and ("GET", 200) in seen and ("POST", 303) in seen
    # The form as submitted, and last the redirect back, taken from the browser and not sent.
    posted = next(item for item in recorded if item.request.method == "POST")
    assert posted.request.body is not None and b"username=anna" in posted.request.body
    assert recorded[-1].request.url == location and recorded[-1].response is None
    # As evidence: the steps in order, the password and the code redacted.
    redactor = Redactor(["s3cret-test-only"])
    steps = login_steps(tuple(recorded), redactor)
    text = json.dumps([dataclasses.asdict(step) for step in steps])
    assert "s3cret-test-only" not in text and "code-1" not in text
    assert steps[-1].error == INTERCEPTED and "code=[REDACTED]" in steps[-1].request.url


def test_the_form_driver_finds_no_form_there() -> None:
    with serve_asgi(APP) as origin, HttpClient(timeout=10, max_response_bytes=1 << 20) as http:
        driver = FormLoginDriver(FormLogin.from_config({"steps": STEPS}))
        with pytest.raises(NoRedirect, match="found no form"):
            driver(request_for(origin, http, []))
