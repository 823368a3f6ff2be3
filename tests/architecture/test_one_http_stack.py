"""One HTTP stack: every request the harness sends itself leaves through
``conformance.httplimits.HttpClient``, and Schemathesis's through its transport
(``conformance.engine.fuzzing.transport``), which applies the same limits.

A module that opens a client of its own (``httpx.Client``, ``httpx.get``, ``requests``,
``urllib.request``, ``http.client``, ``urllib3``, a raw socket connection) would send without
the size cap, the whole-exchange deadline, the depth limit and with a cookie jar; this test
finds it by reading every module of ``conformance``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "conformance"

# Modules that may send HTTP themselves, and with what.
SENDERS = {
    "conformance/httplimits.py": {"httpx", "socket"},
    "conformance/engine/fuzzing/transport.py": {"requests", "urllib3"},
    # The session factory's type only (under TYPE_CHECKING): Schemathesis sends.
    "conformance/engine/fuzzing/internals.py": {"requests"},
}
# Whole modules that send (any use of them is a client of its own).
SENDING_MODULES = {"requests", "urllib3", "urllib.request", "http.client", "aiohttp"}
# Names of httpx that send or hold a client; its types (Cookies, Headers, URL) are harmless.
SENDING_HTTPX = {
    "Client",
    "AsyncClient",
    "HTTPTransport",
    "AsyncHTTPTransport",
    "request",
    "stream",
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
}
SENDING_SOCKET = {"create_connection", "socket"}


def _sending_module(name: str) -> str | None:
    return next((m for m in SENDING_MODULES if name == m or name.startswith(m + ".")), None)


def _uses(path: Path) -> set[str]:
    """What ``path`` uses that sends: a sending module, or a sending name of httpx or socket."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(filter(None, (_sending_module(alias.name) for alias in node.names)))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            module = node.module
            found.update(filter(None, [_sending_module(module)]))
            names = {alias.name for alias in node.names}
            if module == "httpx" and names & SENDING_HTTPX:
                found.add("httpx")
            if module == "urllib" and "request" in names:
                found.add("urllib.request")
            if module == "http" and "client" in names:
                found.add("http.client")
            if module == "socket" and names & SENDING_SOCKET:
                found.add("socket")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "httpx" and node.attr in SENDING_HTTPX:
                found.add("httpx")
            if node.value.id == "socket" and node.attr in SENDING_SOCKET:
                found.add("socket")
    return found


def test_only_the_bounded_client_and_the_fuzzing_transport_send_http() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        extra = _uses(path) - SENDERS.get(relative, set())
        if extra:
            offenders.append(f"{relative}: {', '.join(sorted(extra))}")
    assert offenders == [], "send through conformance.httplimits.HttpClient instead"


def test_the_finder_sees_each_way_of_opening_a_client(tmp_path: Path) -> None:
    cases = {
        "import httpx\nhttpx.get('http://x')\n": {"httpx"},
        "import httpx\nwith httpx.Client() as c: pass\n": {"httpx"},
        "from httpx import Client\n": {"httpx"},
        "import httpx\njar: httpx.Cookies\n": set(),
        "import requests\n": {"requests"},
        "from urllib.request import urlopen\n": {"urllib.request"},
        "from urllib import request\n": {"urllib.request"},
        "import http.client\n": {"http.client"},
        "import socket\nsocket.create_connection(('h', 1))\n": {"socket"},
        "def later():\n    import urllib3\n": {"urllib3"},
    }
    for source, expected in cases.items():
        module = tmp_path / "module.py"
        module.write_text(source, encoding="utf-8")
        assert _uses(module) == expected, source
