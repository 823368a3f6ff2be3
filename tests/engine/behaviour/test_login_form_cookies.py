"""The form driver's cookies: a jar of the one login (httpx's, kept as a browser keeps them,
path included), sent with that login's requests only, never with another login's or any
other request of the harness's client."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from support.services import serve_asgi

from conformance.client.login import LoginRequest
from conformance.client.login_form import FormLogin, FormLoginDriver
from conformance.httplimits import Exchange, HttpClient

pytestmark = pytest.mark.slow

REDIRECT = "https://portal.example/callback"
SESSIONS = itertools.count(1)
FORM = """<form method="post" action="/login/step"><input name="username">
<input type="hidden" name="state" value="%s"></form>"""


async def authorize(request: Request) -> Response:
    state = request.query_params["state"]
    answer = RedirectResponse("/login/page?" + urlencode({"state": state}), 302)
    # A cookie for the login's own path, as providers scope their interaction cookies.
    answer.set_cookie("login-session", f"session-{next(SESSIONS):04d}", path="/login")
    return answer


async def page(request: Request) -> Response:
    if "login-session" not in request.cookies:
        return PlainTextResponse("no session", 400)
    return HTMLResponse(FORM % request.query_params["state"])


async def step(request: Request) -> Response:
    form = dict(parse_qsl((await request.body()).decode()))
    session = request.cookies.get("login-session", "none")
    target = REDIRECT + "?" + urlencode({"code": session, "state": form["state"]})
    return RedirectResponse(target, 303)


async def whoami(request: Request) -> Response:
    return PlainTextResponse(request.headers.get("cookie", "no cookie"))


APP = Starlette(
    routes=[
        Route("/authorize", authorize),
        Route("/login/page", page),
        Route("/login/step", step, methods=["POST"]),
        Route("/login/whoami", whoami),
    ]
)
DRIVER = FormLoginDriver(
    FormLogin.from_config({"steps": [{"match": "/login/page", "fields": {"username": "{bsn}"}}]})
)


def log_in(origin: str, http: HttpClient, state: str) -> tuple[str, list[Exchange]]:
    sent: list[Exchange] = []

    def send(
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        cookies: httpx.Cookies | None = None,
    ) -> Exchange:
        exchange = http.send(method, url, headers=dict(headers), body=body, cookies=cookies)
        sent.append(exchange)
        return exchange

    request = LoginRequest(
        f"{origin}/authorize?state={state}",
        REDIRECT,
        "999993653",
        lambda url: send("GET", url, {}, None),
        send,
    )
    return DRIVER(request), sent


def test_each_login_has_a_jar_of_its_own_and_no_other_request_gets_its_cookies() -> None:
    with serve_asgi(APP) as origin, HttpClient(timeout=10, max_response_bytes=1 << 20) as http:
        first, sent = log_in(origin, http, "s-1")
        second, _ = log_in(origin, http, "s-2")
        other = http.send("GET", f"{origin}/login/whoami")
    codes = [dict(parse_qsl(urlsplit(url).query)) for url in (first, second)]
    assert codes[0]["state"] == "s-1" and codes[1]["state"] == "s-2"
    # Each login continued its own session: the cookie its authorization request was given.
    assert codes[0]["code"] != codes[1]["code"] and "none" not in (
        codes[0]["code"],
        codes[1]["code"],
    )
    # The first request had no cookie; the page and the POST carried the login's one.
    assert "cookie" not in {name.lower() for name in sent[0].request.headers}
    assert [exchange.request.headers.get("cookie") for exchange in sent[1:]] == [
        f"login-session={codes[0]['code']}"
    ] * 2
    assert other.response is not None and other.response.body == b"no cookie"
