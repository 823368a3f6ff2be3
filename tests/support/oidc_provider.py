"""Run npm ``oidc-provider`` (fixtures/oidc-provider/) as a real process on loopback.

    with running_oidc_provider(tmp_path, "nlgov") as issuer:   # http://127.0.0.1:PORT
        ...

The provider is the library as published (pinned in fixtures/oidc-provider/package-lock.json,
installed by ``npm ci`` in .ci/run), configured by ``configuration.mjs`` with documented options
only: ``nlgov`` follows the NL GOV profiles, ``default`` keeps the library's defaults. It
registers the harness's four test clients with their seed keys (``clients.json``); citizens log
in at its development login page with their BSN as login name.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "oidc-provider"
PROFILES = ("nlgov", "default")


class ProviderNotInstalled(RuntimeError):
    pass


def _node() -> str:
    node = shutil.which("node")
    if node is None or not (FIXTURE / "node_modules" / "oidc-provider").is_dir():
        raise ProviderNotInstalled(
            "oidc-provider is not installed: run `npm ci --prefix fixtures/oidc-provider` "
            "(.ci/run does) with Node.js 20.19 or newer"
        )
    return node


def _read_issuer(process: subprocess.Popen[str], log: Path, timeout: float) -> str:
    """The issuer from the script's `listening <issuer>` line (blocking read, bounded by poll)."""
    assert process.stdout is not None
    os.set_blocking(process.stdout.fileno(), False)
    deadline = time.monotonic() + timeout
    buffered = ""
    while time.monotonic() < deadline:
        buffered += process.stdout.readline() or ""
        # Whatever else the script or Node prints on stdout first, the issuer's line counts.
        for line in buffered.splitlines(keepends=True):
            if line.startswith("listening ") and line.endswith("\n"):
                return line.split(" ", 1)[1].strip()
        if process.poll() is not None:
            break
        time.sleep(0.02)
    why = "it exited" if process.poll() is not None else f"no issuer within {timeout:.0f} s"
    raise RuntimeError(
        f"oidc-provider did not start ({why}); stdout: {buffered[-500:]!r}; "
        f"stderr: {log.read_text(errors='replace')[-2000:]}"
    )


def _wait_for_discovery(issuer: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    url = issuer + "/.well-known/openid-configuration"
    while True:
        try:
            if httpx.get(url, timeout=2.0, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"oidc-provider does not answer at {url}")
        time.sleep(0.05)


@contextmanager
def running_oidc_provider(
    tmp_path: Path, profile: str = "nlgov", *, timeout: float = 60.0
) -> Iterator[str]:
    """Start the provider in ``profile``; yields its issuer, stops it at the end."""
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}")
    node = _node()
    log = tmp_path / f"oidc-provider-{profile}.log"
    with log.open("w", encoding="utf-8") as stderr:
        process = subprocess.Popen(
            [node, "start.mjs", "--profile", profile, "--clients", "clients.json", "--port", "0"],
            cwd=FIXTURE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env={**os.environ, "NODE_ENV": "test"},
        )
        try:
            issuer = _read_issuer(process, log, timeout)
            _wait_for_discovery(issuer, timeout)
            yield issuer
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()
