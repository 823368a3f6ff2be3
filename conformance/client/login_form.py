"""A declarative login driver: fill in a provider's own login and consent forms.

Configured with steps, in the spirit of the OpenID Foundation suite's browser tasks::

    driver: form
    steps:
      - match: /interaction/            # a regular expression searched in the page's URL
        fields: {login: "{bsn}", password: "{password}"}  # {bsn}, and the citizen's fields
      - match: /interaction/            # no fields: submit the page's form as it is (consent)

The driver GETs the authorization URL and follows every 301/302/303/307/308 (307/308 repeat
the method and body) with the cookies the provider set (an httpx jar of this login alone, kept
as a browser keeps them). On a page (any 200) it applies the next step in order whose ``match``
is found in the URL (and that was not used on that page before) to the page's first form
(``form``: a regular expression that picks the form by its action instead): hidden and
pre-filled inputs are kept, ``fields`` are filled in, and the form is submitted to its action
with its method. The login ends at the first redirect to the client's redirect URI, which is
returned; anything else (no step for a page, a page without a form, more than ``max_hops``
requests) raises ``NoRedirect`` saying where.

Every request goes through ``LoginRequest.send``: the run's HTTP client, so each one is an
exchange the check keeps and the report shows, step by step, for a login that succeeded as
for one that failed (passwords, cookies, codes and tokens redacted).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urljoin

import httpx

from conformance.client.login import LoginRequest, NoRedirect, next_step
from conformance.httplimits import Exchange

REDIRECTS = (301, 302, 303, 307, 308)


class FormLoginError(ValueError):
    """The form driver's configuration is unusable; the message says which part and why."""


@dataclass(frozen=True, slots=True)
class FormStep:
    match: str
    fields: Mapping[str, str] = field(default_factory=dict)
    form: str | None = None  # a regular expression on the form's action; None: the first form


@dataclass(frozen=True, slots=True)
class FormLogin:
    steps: tuple[FormStep, ...]
    max_hops: int = 20

    @classmethod
    def from_config(cls, config: Mapping[str, Any], where: str = "login") -> FormLogin:
        steps = config.get("steps")
        if not isinstance(steps, Sequence) or isinstance(steps, str) or not steps:
            raise FormLoginError(f"{where}.steps: give a list of at least one step")
        parsed = []
        for index, step in enumerate(steps):
            place = f"{where}.steps[{index}]"
            if not isinstance(step, Mapping) or not isinstance(step.get("match"), str):
                raise FormLoginError(f"{place}: a step needs `match` (a regular expression)")
            for key in ("match", "form"):
                if step.get(key) is not None:
                    try:
                        re.compile(str(step[key]))
                    except re.error as exc:
                        raise FormLoginError(
                            f"{place}.{key}: not a regular expression: {exc}"
                        ) from None
            fields = step.get("fields") or {}
            if not isinstance(fields, Mapping):
                raise FormLoginError(f"{place}.fields: give a mapping of field name to value")
            parsed.append(
                FormStep(
                    match=str(step["match"]),
                    fields={str(key): str(value) for key, value in fields.items()},
                    form=str(step["form"]) if step.get("form") is not None else None,
                )
            )
        hops = config.get("max_hops", 20)
        if not isinstance(hops, int) or hops < 1:
            raise FormLoginError(f"{where}.max_hops: a positive whole number")
        return cls(tuple(parsed), hops)


@dataclass
class _Form:
    action: str
    method: str
    inputs: list[tuple[str, str]] = field(default_factory=list)


class _Forms(HTMLParser):
    """The forms of a page with their successful controls' default values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[_Form] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(_Form(values.get("action", ""), values.get("method", "get").upper()))
            self._open = True
        elif tag == "input" and self._open and values.get("name"):
            kind = values.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in values:
                return
            self.forms[-1].inputs.append((values["name"], values.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = False


def _same_endpoint(url: str, redirect_uri: str) -> bool:
    return url.split("?", 1)[0].split("#", 1)[0] == redirect_uri.split("?", 1)[0]


class FormLoginDriver:
    """``driver(LoginRequest) -> redirect URL``, driven by a ``FormLogin`` configuration."""

    name = "form"

    def __init__(self, config: FormLogin) -> None:
        self.config = config

    def __call__(self, request: LoginRequest) -> str:
        # The cookies of this one login, as a browser keeps them (domain, path, expiry): sent
        # with its requests only, never with any other request of the run.
        cookies = httpx.Cookies()
        method, url, body = "GET", request.authorize_url, None
        used: set[tuple[int, str]] = set()
        for _hop in range(self.config.max_hops):
            headers = {"Accept": "text/html,*/*"}
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            exchange = request.send_request(method, url, headers, body, cookies)
            response = exchange.response
            if response is None:
                raise NoRedirect(f"{url} did not answer: {exchange.error}", exchange)
            if response.status in REDIRECTS:
                location = response.header("location")
                if not location:
                    raise NoRedirect(f"{url} answered {response.status} without Location", exchange)
                target = urljoin(url, location)
                if _same_endpoint(target, request.redirect_uri):
                    return target
                if response.status not in (307, 308):
                    method, body = "GET", None
                url = target
                continue
            if response.status != 200:
                raise NoRedirect(f"{url} answered {response.status}", exchange)
            method, url, body = self._submit(request, url, exchange, used)
        raise NoRedirect(
            f"no redirect to {request.redirect_uri} after {self.config.max_hops} requests"
        )

    def _submit(
        self, request: LoginRequest, url: str, exchange: Exchange, used: set[tuple[int, str]]
    ) -> tuple[str, str, bytes | None]:
        assert exchange.response is not None
        page = exchange.response.body.decode("utf-8", errors="replace")
        found = next_step(self.config.steps, url, used)
        if found is None:
            raise NoRedirect(f"no login step matches the page {url}", exchange)
        index, step = found
        parser = _Forms()
        parser.feed(page)
        forms = [
            form
            for form in parser.forms
            if step.form is None or re.search(step.form, urljoin(url, form.action))
        ]
        if not forms:
            raise NoRedirect(f"step {index + 1} found no form on {url}", exchange)
        form = forms[0]
        fields = [(name, value) for name, value in form.inputs if name not in step.fields]
        for name, value in step.fields.items():
            fields.append((name, request.fill(value)))
        target = urljoin(url, form.action) if form.action else url
        encoded = urlencode(fields)
        if form.method == "POST":
            return "POST", target, encoded.encode()
        return "GET", target + ("&" if "?" in target else "?") + encoded, None
