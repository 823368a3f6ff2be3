"""A login driver for login pages that need JavaScript: the steps of the form driver, played
in headless Debian chromium through the DevTools protocol.

Configured in the vendor file like the form driver::

    login:
      driver: browser
      timeout: 30                        # seconds for the whole login
      steps:
        - match: /login                  # a regular expression searched in the page's URL
          form: "#login-form"            # a CSS selector of the form (default: the first)
          fields: {username: "{login}", password: "{password}"}
          submit: "button[type=submit]"  # a CSS selector of the button (default: submit the form)
        - match: /consent

Chromium is started for each login (``--headless`` with a fresh profile in a temporary
directory, so no cookie survives), driven over its DevTools websocket (``websockets``), and
stopped afterwards. The request that goes to the client's redirect URI is intercepted
(``Fetch``), never sent, and its URL returned: the redirect back with ``code`` and ``state``
(recorded as the last step, without an answer).
On each page that finished loading, the next step in order whose ``match`` fits the URL fills
its fields (waiting until the page's script has drawn the form) and submits. Every request the
browser sends is recorded (``LoginRequest.record``) with the status of its answer, as evidence.
``GDI_CONFORMANCE_CHROMIUM`` names the browser when ``chromium`` is not on the PATH.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from websockets.sync.client import ClientConnection, connect

from conformance.client.login import LoginRequest, NoRedirect, next_step
from conformance.httplimits import Exchange, HttpClient, ReceivedResponse, SentRequest

CHROMIUM_VARIABLE = "GDI_CONFORMANCE_CHROMIUM"
# The flags CI's HTML report check uses too: no sandbox (containers), nothing phoning home.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--remote-debugging-port=0",
)
LISTENING = re.compile(r"DevTools listening on (ws://\S+)")
FORM_WAIT = 5.0  # seconds a page's script may take to draw its form
DEVTOOLS_LIST_BYTES = 1024 * 1024  # the list of the one page the harness opened
INTERCEPTED = "the redirect back to the client, taken from the browser and not sent"


class BrowserError(Exception):
    """The browser driver cannot be set up or the browser failed; the message says why."""


@dataclass(frozen=True, slots=True)
class BrowserStep:
    match: str
    fields: Mapping[str, str] = field(default_factory=dict)
    form: str | None = None  # CSS selector of the form
    submit: str | None = None  # CSS selector of the button to press


@dataclass(frozen=True, slots=True)
class BrowserLogin:
    steps: tuple[BrowserStep, ...]
    timeout: float = 30.0
    executable: str | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any], where: str = "login") -> BrowserLogin:
        steps = config.get("steps")
        if not isinstance(steps, list) or not steps:
            raise BrowserError(f"{where}.steps: give a list of at least one step")
        parsed = []
        for index, step in enumerate(steps):
            place = f"{where}.steps[{index}]"
            if not isinstance(step, Mapping) or not isinstance(step.get("match"), str):
                raise BrowserError(f"{place}: a step needs `match` (a regular expression)")
            try:
                re.compile(step["match"])
            except re.error as exc:
                raise BrowserError(f"{place}.match: not a regular expression: {exc}") from None
            parsed.append(
                BrowserStep(
                    match=step["match"],
                    fields={str(k): str(v) for k, v in (step.get("fields") or {}).items()},
                    form=step.get("form"),
                    submit=step.get("submit"),
                )
            )
        timeout = config.get("timeout", 30.0)
        if not isinstance(timeout, int | float) or timeout <= 0:
            raise BrowserError(f"{where}.timeout: a positive number of seconds")
        executable = os.environ.get(CHROMIUM_VARIABLE) or shutil.which("chromium")
        if executable is None:
            raise BrowserError(
                f"{where}: the browser driver needs chromium (apt-get install chromium), or "
                f"${CHROMIUM_VARIABLE} naming a Chromium-compatible browser"
            )
        return cls(tuple(parsed), float(timeout), executable)


@contextmanager
def _chromium(executable: str, deadline: float) -> Iterator[str]:
    """A headless chromium with a throw-away profile; yields the DevTools HTTP origin."""
    with tempfile.TemporaryDirectory(prefix="gdi-conformance-browser-") as profile:
        process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stderr is not None
            endpoint = None
            while endpoint is None and time.monotonic() < deadline:
                line = process.stderr.readline()
                if not line:
                    break
                found = LISTENING.search(line)
                endpoint = found.group(1) if found else None
            if endpoint is None:
                raise BrowserError("chromium did not open its DevTools endpoint")
            # Keep reading what it logs, so that a full pipe never stalls the browser.
            threading.Thread(target=process.stderr.read, daemon=True).start()
            origin = "http://" + endpoint.removeprefix("ws://").split("/", 1)[0]
            yield origin
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            if process.stderr is not None:
                process.stderr.close()


class _Session:
    """One DevTools page session: commands with answers, events in between."""

    def __init__(self, socket: ClientConnection, deadline: float) -> None:
        self.socket = socket
        self.deadline = deadline
        self.events: list[dict[str, Any]] = []
        self._next = 0

    def _receive(self) -> dict[str, Any]:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        message: dict[str, Any] = json.loads(self.socket.recv(timeout=remaining))
        return message

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._next += 1
        number = self._next
        self.socket.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = self._receive()
            if message.get("id") == number:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error'].get('message')}")
                result: dict[str, Any] = message.get("result") or {}
                return result
            self.events.append(message)

    def event(self) -> dict[str, Any]:
        return self.events.pop(0) if self.events else self._receive()

    def evaluate(self, expression: str) -> Any:
        answer = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return (answer.get("result") or {}).get("value")


_FILL = """(() => {
  const step = %s;
  const form = step.form ? document.querySelector(step.form) : document.forms[0];
  if (!form) return "no form";
  for (const [name, value] of Object.entries(step.fields)) {
    const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (!input) return "no field " + name;
    input.value = value;
    input.dispatchEvent(new Event("input", {bubbles: true}));
  }
  if (step.submit) {
    const button = document.querySelector(step.submit);
    if (!button) return "no button " + step.submit;
    button.click();
  } else if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  return "submitted";
})()"""


def _pattern(url: str) -> str:
    """A Fetch URL pattern for everything at ``url`` (its * and ? escaped)."""
    base = url.split("?", 1)[0].split("#", 1)[0]
    return re.sub(r"([*?\\])", r"\\\1", base) + "*"


class BrowserLoginDriver:
    """``driver(LoginRequest) -> redirect URL`` in headless chromium (see the module)."""

    name = "browser"

    def __init__(self, config: BrowserLogin) -> None:
        self.config = config

    @classmethod
    def from_config(cls, config: Mapping[str, Any], where: str = "login") -> BrowserLoginDriver:
        return cls(BrowserLogin.from_config(config, where))

    def __call__(self, request: LoginRequest) -> str:
        deadline = time.monotonic() + self.config.timeout
        assert self.config.executable is not None
        try:
            with _chromium(self.config.executable, deadline) as origin:
                return self._drive(request, origin, deadline)
        except TimeoutError:
            raise NoRedirect(
                f"no redirect to {request.redirect_uri} within {self.config.timeout:g} s"
            ) from None

    def _drive(self, request: LoginRequest, origin: str, deadline: float) -> str:
        with HttpClient(timeout=5.0, max_response_bytes=DEVTOOLS_LIST_BYTES) as http:
            listed = http.send("GET", origin + "/json/list").response
        if listed is None or listed.status != 200 or listed.truncated:
            raise NoRedirect("the browser did not list its pages")
        pages = json.loads(listed.body)
        page = next(item for item in pages if item.get("type") == "page")
        with connect(page["webSocketDebuggerUrl"], proxy=None, max_size=None) as socket:
            session = _Session(socket, deadline)
            session.call(
                "Fetch.enable",
                patterns=[
                    {"urlPattern": _pattern(request.redirect_uri), "requestStage": "Request"}
                ],
            )
            session.call("Network.enable")
            session.call("Page.enable")
            session.call("Page.navigate", url=request.authorize_url)
            sent: dict[str, SentRequest] = {}
            used: set[tuple[int, str]] = set()
            while True:
                event = session.event()
                method, params = event.get("method"), event.get("params") or {}
                if method == "Fetch.requestPaused":
                    url = params["request"]["url"]
                    session.call("Fetch.failRequest", requestId=params["requestId"],
                                 errorReason="Aborted")  # fmt: skip
                    if request.record is not None:  # the last step: the redirect back
                        back = SentRequest(params["request"].get("method", "GET"), str(url))
                        request.record(Exchange(back, error=INTERCEPTED))
                    return str(url)
                if method == "Network.requestWillBeSent":
                    self._sent(params, sent, request)
                elif method == "Network.responseReceived":
                    self._received(params, sent, request)
                elif method == "Page.loadEventFired":
                    self._step(session, request, used, deadline)

    @staticmethod
    def _sent(params: dict[str, Any], sent: dict[str, SentRequest], request: LoginRequest) -> None:
        redirect = params.get("redirectResponse")
        if redirect is not None and params["requestId"] in sent:  # a 3xx ended the last hop
            BrowserLoginDriver._record(sent.pop(params["requestId"]), redirect, request)
        item = params["request"]
        body = item.get("postData")
        sent[params["requestId"]] = SentRequest(
            method=item.get("method", "GET"),
            url=item["url"],
            headers={str(k): str(v) for k, v in (item.get("headers") or {}).items()},
            body=body.encode() if isinstance(body, str) else None,
        )

    @staticmethod
    def _received(
        params: dict[str, Any], sent: dict[str, SentRequest], request: LoginRequest
    ) -> None:
        if params["requestId"] in sent:
            BrowserLoginDriver._record(sent.pop(params["requestId"]), params["response"], request)

    @staticmethod
    def _record(sent: SentRequest, response: dict[str, Any], request: LoginRequest) -> None:
        if request.record is None:
            return
        headers = {str(k).lower(): str(v) for k, v in (response.get("headers") or {}).items()}
        received = ReceivedResponse(
            status=int(response.get("status", 0)), headers=headers, body=b""
        )
        request.record(Exchange(request=sent, response=received))

    def _step(
        self,
        session: _Session,
        request: LoginRequest,
        used: set[tuple[int, str]],
        deadline: float,
    ) -> None:
        url = str(session.evaluate("location.href"))
        found = next_step(self.config.steps, url, used)
        if found is None:
            raise NoRedirect(f"no login step matches the page {url}")
        index, step = found
        plan = {
            "form": step.form,
            "submit": step.submit,
            "fields": {name: request.fill(value) for name, value in step.fields.items()},
        }
        wait_until = min(deadline, time.monotonic() + FORM_WAIT)
        while True:
            outcome = session.evaluate(_FILL % json.dumps(plan))
            if outcome == "submitted":
                return
            if time.monotonic() >= wait_until:
                raise NoRedirect(f"step {index + 1} on {url}: {outcome}")
            time.sleep(0.1)  # the page's script may still be drawing the form
