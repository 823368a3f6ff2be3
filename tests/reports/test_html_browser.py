"""The HTML report in a real headless Chromium: the verdict and a failure are visible.

The report is served on loopback next to a small checker page that loads it in a same-origin
frame and measures, after layout, whether the verdict and the failure's evidence are rendered
(non-zero size, not hidden). Chromium's ``--dump-dom`` returns the checker's findings; a
screenshot of the report itself is taken as well.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import struct
import subprocess
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.sample_reports import make_report

from conformance.reports.certification import certify
from conformance.reports.html import render_html
from conformance.results import Outcome, ProductInfo

pytestmark = pytest.mark.slow

CHROMIUM_FLAGS = (
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

CHECKER = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>checker</title></head>
<body>
<iframe id="page" src="report.html" style="width:1200px;height:900px"></iframe>
<pre id="result">pending</pre>
<script>
function shown(doc, selector) {
  const element = doc.querySelector(selector);
  if (!element) return selector + "=missing";
  const box = element.getBoundingClientRect();
  const style = doc.defaultView.getComputedStyle(element);
  const visible = box.width > 0 && box.height > 0 && style.visibility !== "hidden"
    && style.display !== "none" && parseFloat(style.opacity) > 0;
  return selector + "=" + (visible ? "visible" : "hidden") + "|" + element.innerText.trim();
}
window.addEventListener("load", () => {
  const doc = document.getElementById("page").contentDocument;
  document.getElementById("result").textContent = [
    shown(doc, ".verdict-label"),
    shown(doc, ".score-value"),
    shown(doc, "#failure-GDI-MSG-001 .evidence h4"),
    shown(doc, "#failure-GDI-MSG-001 pre.curl"),
    "verdict-top=" + Math.round(doc.querySelector(".verdict").getBoundingClientRect().top),
  ].join("\\n");
});
</script>
</body></html>
"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs it)")
        pytest.skip("chromium is not installed")
    return found


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    report = make_report(
        {"GDI-MSG-001": Outcome.FAILED},
        product=ProductInfo("Acme BV", "Acme Berichten", "2.4.1"),
    )
    (tmp_path / "report.html").write_text(render_html(report, certify(report)), encoding="utf-8")
    (tmp_path / "checker.html").write_text(CHECKER, encoding="utf-8")
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_verdict_and_failure_are_visible(site: str, tmp_path: Path) -> None:
    done = run_chromium(
        tmp_path,
        "--virtual-time-budget=5000",
        "--window-size=1280,1000",
        "--dump-dom",
        f"{site}/checker.html",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    match = re.search(r'<pre id="result">(.*?)</pre>', done.stdout, re.S)
    assert match, done.stdout[-2000:]
    lines = dict(line.split("=", 1) for line in match.group(1).strip().splitlines())
    assert lines[".verdict-label"] == "visible|NOT CERTIFIED"
    assert lines[".score-value"] == "visible|75"
    assert lines["#failure-GDI-MSG-001 .evidence h4"] == "visible|API-Version header missing"
    curl = lines["#failure-GDI-MSG-001 pre.curl"]
    assert curl.startswith("visible|curl -X POST 'http://127.0.0.1:8123/messaging/v1/messages'")
    assert int(lines["verdict-top"]) < 200, "the verdict is the first thing on the page"


def _png_rows(data: bytes) -> tuple[int, int, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, idat = 8, b""
    width = height = 0
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    return width, height, zlib.decompress(idat)


def test_screenshot_of_the_report_is_a_real_picture(site: str, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    done = run_chromium(
        tmp_path, "--window-size=1200,1600", f"--screenshot={shot}", f"{site}/report.html"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    width, height, pixels = _png_rows(data)
    assert (width, height) == (1200, 1600)
    assert len(data) > 20_000
    assert len(set(pixels)) > 50, "the screenshot is not a blank page"
