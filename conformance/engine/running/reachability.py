"""Is the target there at all? Asked once, before anything is tested."""

from __future__ import annotations

import contextlib
from urllib.parse import urlsplit

from conformance.engine.config import DEFAULT_MAX_RESPONSE_BYTES
from conformance.engine.running.control import RunControl
from conformance.engine.running.errors import RunSetupError, TargetUnreachable
from conformance.httplimits import HttpClient

REACHABILITY_TIMEOUT = 5.0


def validate_base_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RunSetupError(
            f"--base-url {base_url!r}: expected an http(s) URL such as http://127.0.0.1:8000/tasks/v1"
        )
    return base_url.rstrip("/")


def check_reachable(
    base_url: str,
    timeout: float = REACHABILITY_TIMEOUT,
    *,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    control: RunControl | None = None,
) -> None:
    """Raise ``TargetUnreachable`` unless the target answers an HTTP request (any status).

    Through the engine's client, so with its limits: ``timeout`` for the whole answer, at
    most ``max_response_bytes`` read, no cookie kept. A stop of ``control`` cuts it short
    (and then it does not raise: the stopped run reports what it has, which is nothing).
    """
    with HttpClient(timeout=timeout, max_response_bytes=max_response_bytes) as http:
        stopping = control.on_stop(http.abort) if control else contextlib.nullcontext()
        with stopping:
            exchange = http.send("GET", base_url + "/openapi.json")
    if exchange.answered or (control is not None and control.stopped):
        return
    error = exchange.error or ""
    if error.startswith("no complete answer"):
        raise TargetUnreachable(f"{base_url} did not answer within {timeout:g}s")
    raise TargetUnreachable(f"cannot reach {base_url}: {error}")
