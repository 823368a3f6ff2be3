"""How the harness logs a test citizen in at an identity provider: pluggable login drivers.

The authorization code flow needs a person to log in between the authorization request and the
redirect back to the client. A conformance run has no person, so a *login driver* stands in:

    driver(LoginRequest) -> str      # the URL the provider redirected the browser to

``LoginRequest.authorize_url`` is the complete authorization request (client_id, redirect_uri,
state, nonce, code_challenge, ...); the driver does whatever the provider's login takes for the
synthetic test citizen ``LoginRequest.citizen_bsn`` and returns the redirect back to the client
(``<redirect_uri>?code=...&state=...``, or ``?error=...``). When the provider answers with
anything but a redirect to the client (an error page, a refusal before any login), the driver
raises ``NoRedirect``: for the checks that is "no code was issued".

Built in: ``test-login`` (the default), for providers with a test login that takes the citizen
from the standard ``login_hint`` parameter, as the reference identity block does when started
with its test login enabled. It sends one GET (no redirect followed) through
``LoginRequest.get``, so the exchange becomes evidence.

A vendor plugs in their own driver (e.g. one that drives the login page with a headless
browser, mapping the synthetic BSN to one of their test accounts) in one of three ways:

- ``--login-driver module:callable`` on the command line (``gdi-conformance run``,
  ``certify`` and ``interop``; ``--gdi-login-driver`` of the pytest plugin), which the engine
  carries to the identity checks as ``RunConfig.login_driver``;
- the environment variable ``GDI_CONFORMANCE_LOGIN_DRIVER=module:callable`` (every command and
  the pytest plugin, when the option is not given);
- an entry point in the group ``gdi_conformance.login_drivers`` of their package, selected by
  name (``--login-driver my-idp`` or ``GDI_CONFORMANCE_LOGIN_DRIVER=my-idp``)::

      [project.entry-points."gdi_conformance.login_drivers"]
      my-idp = "my_package.login:drive"

A driver that cannot be loaded is a usage error before anything is tested (exit code 2).

A driver that needs a session sends through ``LoginRequest.send_request(..., cookies=jar)``
with an ``httpx.Cookies`` of its own for that one login (the form driver does): the harness's
client keeps no cookies otherwise. Every request sent, and every one given to ``record``, is a
step of the login in the report, with the requirement whose check logged in.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Protocol, TypeVar
from urllib.parse import urlencode, urljoin

import httpx

from conformance.httplimits import Exchange
from conformance.spec.vendor import VendorConfig

ENTRY_POINT_GROUP = "gdi_conformance.login_drivers"
ENVIRONMENT_VARIABLE = "GDI_CONFORMANCE_LOGIN_DRIVER"
TEST_LOGIN = "test-login"

Get = Callable[[str], Exchange]  # GET a URL without following redirects; the exchange is evidence
# Set-Cookie values joined with ", " (see httplimits): split where the next cookie's name= starts
_COOKIE_SPLIT = re.compile(r",\s*(?=[^;,=\s]+=)")


class Send(Protocol):
    """Any request, no redirects followed, the exchange is evidence. ``cookies``: the jar of
    this one login (sent, and updated from the answer); None sends none."""

    def __call__(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        /,
        cookies: httpx.Cookies | None = None,
    ) -> Exchange: ...


class Step(Protocol):
    @property
    def match(self) -> str: ...


StepT = TypeVar("StepT", bound=Step)


def next_step(
    steps: tuple[StepT, ...], url: str, used: set[tuple[int, str]]
) -> tuple[int, StepT] | None:
    """The login step for the page at ``url`` (marked used): the first, in the steps' order
    after the last one used, whose ``match`` fits the URL and that has not run on it yet."""
    last = max((index for index, _ in used), default=-1)
    for index in [*range(last + 1, len(steps)), *range(last + 1)]:
        step = steps[index]
        if (index, url) not in used and re.search(step.match, url):
            used.add((index, url))
            return index, step
    return None


class NoRedirect(Exception):
    """The provider answered without redirecting back to the client (no code, no error)."""

    def __init__(self, message: str, exchange: Exchange | None = None) -> None:
        super().__init__(message)
        self.exchange = exchange


class LoginDriverError(Exception):
    """A login driver cannot be found or loaded; the message says which and why."""


@dataclass(frozen=True, slots=True)
class LoginRequest:
    authorize_url: str  # the full authorization request URL
    redirect_uri: str  # where the provider sends the browser back to
    citizen_bsn: str  # the synthetic test citizen to log in as
    get: Get  # an HTTP GET of the harness (no redirects followed, evidence kept)
    send: Send | None = None  # any request through the harness (forms: POST with cookies)
    # The citizen's login fields from the vendor file (username, password, ...), {name} in steps
    citizen_fields: Mapping[str, str] = field(default_factory=dict)
    # Keeps an exchange the driver did not send through ``send`` (a browser's requests)
    record: Callable[[Exchange], None] | None = None

    def fill(self, template: str) -> str:
        """``template`` with {bsn} and the citizen's {field}s filled in."""
        values = {**self.citizen_fields, "bsn": self.citizen_bsn}
        for name, value in values.items():
            template = template.replace("{" + name + "}", value)
        return template

    def send_request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        cookies: httpx.Cookies | None = None,
    ) -> Exchange:
        if self.send is None:
            if method != "GET" or body is not None:
                raise NoRedirect("this login can only send GET requests")
            return self.get(url)
        return self.send(method, url, headers, body, cookies=cookies)


LoginDriver = Callable[[LoginRequest], str]


def test_login(request: LoginRequest) -> str:
    """The test login: the citizen's BSN in ``login_hint``, one GET, the 3xx Location back."""
    separator = "&" if "?" in request.authorize_url else "?"
    url = request.authorize_url + separator + urlencode({"login_hint": request.citizen_bsn})
    exchange = request.get(url)
    response = exchange.response
    if response is None:
        raise NoRedirect(f"the authorization endpoint did not answer: {exchange.error}", exchange)
    location = response.header("location")
    if response.status not in (301, 302, 303, 307, 308) or not location:
        raise NoRedirect(
            f"the authorization endpoint answered {response.status} without a redirect", exchange
        )
    return urljoin(url, location)


def driver_name(driver: LoginDriver) -> str:
    """What a report calls a driver: form, browser, test-login, or its module:name."""
    if driver is test_login:
        return TEST_LOGIN
    name = getattr(driver, "name", None)
    if isinstance(name, str):
        return name
    module = getattr(driver, "__module__", None) or type(driver).__module__
    qualname = getattr(driver, "__qualname__", None) or type(driver).__qualname__
    return f"{module}:{qualname}"


def cookie_values(exchanges: Iterable[Exchange]) -> list[str]:
    """The value of every cookie a login's requests sent or its answers set: secrets, which
    no report may show (a session cookie is a credential)."""
    values = []
    for exchange in exchanges:
        sent = next(
            (value for name, value in exchange.request.headers.items() if name.lower() == "cookie"),
            "",
        )
        for pair in sent.split(";"):
            values.append(pair.partition("=")[2].strip())
        received = exchange.response.header("set-cookie") if exchange.response else None
        for cookie in _COOKIE_SPLIT.split(received or ""):
            values.append(cookie.partition("=")[2].split(";", 1)[0].strip())
    return [value.strip('"') for value in values if value.strip('"')]


def _from_reference(reference: str) -> LoginDriver:
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise LoginDriverError(f"login driver {reference!r}: expected module:callable")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise LoginDriverError(
            f"login driver {reference!r}: cannot import {module_name}: {exc}"
        ) from exc
    driver: LoginDriver | None = getattr(module, attribute, None)
    if not callable(driver):
        raise LoginDriverError(f"login driver {reference!r}: {module_name} has no {attribute}")
    return driver


def _from_entry_point(name: str) -> LoginDriver:
    found = [item for item in entry_points(group=ENTRY_POINT_GROUP) if item.name == name]
    if not found:
        known = sorted({item.name for item in entry_points(group=ENTRY_POINT_GROUP)})
        names = ", ".join([TEST_LOGIN, *known])
        raise LoginDriverError(f"no login driver named {name!r} (known: {names})")
    try:
        driver: LoginDriver | None = found[0].load()
    except Exception as exc:
        raise LoginDriverError(f"login driver {name!r} failed to load: {exc}") from exc
    if not callable(driver):
        raise LoginDriverError(f"login driver {name!r} is not callable")
    return driver


def driver_for(choice: str | None, vendor: VendorConfig | None) -> LoginDriver:
    """The driver named on the command line, else the vendor file's, else as
    ``load_login_driver`` finds it. ``LoginDriverError`` when it cannot be built."""
    block = vendor.block("identity") if vendor is not None else None
    if choice or block is None or block.login is None:
        return load_login_driver(choice)
    login = block.login
    where = f"{vendor.path if vendor else 'vendor file'}: identity.login"
    if login.driver == "form":
        from conformance.client.login_form import (
            FormLogin,
            FormLoginDriver,
            FormLoginError,
        )

        try:
            return FormLoginDriver(FormLogin.from_config(login.settings, where))
        except FormLoginError as exc:
            raise LoginDriverError(str(exc)) from exc
    if login.driver == "browser":
        from conformance.client.login_browser import BrowserError, BrowserLoginDriver

        try:
            return BrowserLoginDriver.from_config(login.settings, where)
        except BrowserError as exc:
            raise LoginDriverError(str(exc)) from exc
    return load_login_driver(login.driver)


def load_login_driver(choice: str | None = None) -> LoginDriver:
    """The driver named by ``choice``, else by the environment, else the test login."""
    choice = (choice or os.environ.get(ENVIRONMENT_VARIABLE, "")).strip() or TEST_LOGIN
    if choice == TEST_LOGIN:
        return test_login
    if ":" in choice:
        return _from_reference(choice)
    return _from_entry_point(choice)
