"""Debian's chromium, headless, for tests that check what a page shows.

``dump_dom(tmp_path, url)`` returns the DOM after the page loaded; ``screenshot(...)`` writes a
PNG. Each call gets a fresh profile under ``tmp_path``. Without chromium the test is skipped,
in CI it fails (.ci/run installs chromium).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs it)")
        pytest.skip("chromium is not installed")
    return found


def run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"chromium-profile-{len(list(tmp_path.glob('chromium-profile-*')))}"
    command = [chromium(), *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def dump_dom(tmp_path: Path, url: str, *flags: str) -> str:
    done = run_chromium(tmp_path, "--virtual-time-budget=3000", *flags, "--dump-dom", url)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip(), done.stderr[-2000:]
    return done.stdout


def screenshot(tmp_path: Path, url: str, path: Path, size: str = "1280,1000") -> bytes:
    done = run_chromium(tmp_path, f"--window-size={size}", f"--screenshot={path}", url)
    assert done.returncode == 0, done.stderr[-2000:]
    return path.read_bytes()
