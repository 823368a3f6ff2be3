"""The HTML report in a real headless Chromium: the verdict and a failure are visible.

The report is served on loopback next to a small checker page that loads it in a same-origin
frame and measures, after layout, whether the verdict and the failure's evidence are rendered
(non-zero size, not hidden). Chromium's ``--dump-dom`` returns the checker's findings; a
screenshot of the report itself is taken as well.
"""

from __future__ import annotations

import functools
import http.server
import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.chromium import run_chromium
from support.sample_reports import make_report
from support.services import serve_threaded

from conformance.interop import GEBOORTE
from conformance.reports.certification import certify
from conformance.reports.html import render_html
from conformance.reports.interop_matrix import render_interop_matrix
from conformance.reports.matrix import build_matrix, render_matrix_html
from conformance.results import Outcome, ProductInfo

pytestmark = pytest.mark.slow


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


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    report = make_report(
        {"GDI-MSG-001": Outcome.FAILED},
        product=ProductInfo("Acme BV", "Acme Berichten", "2.4.1"),
    )
    (tmp_path / "report.html").write_text(render_html(report, certify(report)), encoding="utf-8")
    (tmp_path / "checker.html").write_text(CHECKER, encoding="utf-8")
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    with serve_threaded(http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)) as origin:
        yield origin


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


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


PAGES_CHECKER = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>checker</title></head>
<body>
<iframe id="nl" src="report-nl.html" style="width:1200px;height:900px"></iframe>
<iframe id="interop" src="interop.html" style="width:1200px;height:900px"></iframe>
<iframe id="matrix" src="matrix.html" style="width:1200px;height:900px"></iframe>
<iframe id="overview" src="index.html" style="width:1200px;height:900px"></iframe>
<pre id="result">pending</pre>
<script>
function doc(id) { return document.getElementById(id).contentDocument; }
function shown(id, selector) {
  const element = doc(id).querySelector(selector);
  if (!element) return id + " " + selector + "=missing";
  const box = element.getBoundingClientRect();
  const style = doc(id).defaultView.getComputedStyle(element);
  const visible = box.width > 0 && box.height > 0 && style.visibility !== "hidden"
    && style.display !== "none";
  return id + " " + selector + "=" + (visible ? "visible" : "hidden") + "|"
    + element.innerText.trim().replace(/\\s+/g, " ");
}
function look(id) {
  const main = doc(id).querySelector("main");
  const style = doc(id).defaultView.getComputedStyle(main);
  const h1 = doc(id).defaultView.getComputedStyle(doc(id).querySelector("h1"));
  const facts = [style.maxWidth, style.fontFamily, style.backgroundColor, h1.fontSize];
  return id + " look=" + facts.join(";");
}
function check() {
  const blocks = Array.from(doc("interop").querySelectorAll("#steps tr[data-block]"))
    .map(row => row.cells[2].innerText.trim()).join(",");
  document.getElementById("result").textContent = [
    shown("nl", ".verdict-label"),
    shown("nl", "#req-GDI-MSG-001 a.adr-rule"),
    "nl adr-href=" + doc("nl").querySelector("#req-GDI-MSG-001 a.adr-rule").href,
    shown("nl", "#requirements h2"),
    shown("interop", "header .eyebrow"),
    shown("interop", "#steps h3"),
    "interop blocks=" + blocks,
    shown("matrix", "h1"),
    shown("matrix", "#at-fault td"),
    look("nl"), look("interop"), look("matrix"), look("overview"),
  ].join("\\n");
}
window.addEventListener("load", check);  // after every frame has loaded
</script>
</body></html>
"""


@pytest.fixture
def pages(tmp_path: Path) -> Iterator[str]:
    """A Dutch report, a life-event report, an interop matrix and an overview, served."""
    from reports.test_i18n import interop_like, interop_matrix

    report = make_report({"GDI-MSG-001": Outcome.FAILED})
    html = render_html(report, certify(report), language="nl")
    (tmp_path / "report-nl.html").write_text(html, encoding="utf-8")
    life_events = interop_like("declare-birth")
    interop = render_html(life_events, certify(life_events))  # type: ignore[arg-type]
    (tmp_path / "interop.html").write_text(interop, encoding="utf-8")
    (tmp_path / "matrix.html").write_text(render_interop_matrix(interop_matrix()))
    overview = build_matrix([(report, certify(report), "report-nl.html")])
    (tmp_path / "index.html").write_text(render_matrix_html(overview, "nl"), encoding="utf-8")
    (tmp_path / "checker.html").write_text(PAGES_CHECKER, encoding="utf-8")
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    with serve_threaded(http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)) as origin:
        yield origin


def test_dutch_report_life_event_steps_and_matrix_style_on_screen(
    pages: str, tmp_path: Path
) -> None:
    done = run_chromium(
        tmp_path,
        "--virtual-time-budget=5000",
        "--window-size=1280,1000",
        "--dump-dom",
        f"{pages}/checker.html",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    match = re.search(r'<pre id="result">(.*?)</pre>', done.stdout, re.S)
    assert match, done.stdout[-2000:]
    lines = dict(line.split("=", 1) for line in match.group(1).strip().splitlines())
    assert lines["nl .verdict-label"] == "visible|NIET GECERTIFICEERD"
    assert lines["nl #req-GDI-MSG-001 a.adr-rule"] == "visible|/core/version-header"
    assert lines["nl adr-href"] == (
        "https://logius-standaarden.github.io/API-Design-Rules/#/core/version-header"
    )
    assert lines["nl #requirements h2"] == "visible|Eisen"
    eyebrow = lines["interop header .eyebrow"]
    assert eyebrow.startswith("visible|") and "LIFE EVENTS ACROSS BUILDING BLOCKS" in eyebrow
    assert "INTEROP BUILDING BLOCK" not in eyebrow
    assert lines["interop #steps h3"].startswith("visible|GDI-GEN-101")
    assert lines["interop blocks"] == ",".join(step.block for step in GEBOORTE.steps)
    assert lines["matrix h1"] == "visible|Life events across building blocks"
    assert lines["matrix #at-fault td"] == "visible|registries"
    # One look across the pages: the interop matrix is styled as the reports and the overview.
    looks = {lines[f"{page} look"] for page in ("nl", "interop", "matrix", "overview")}
    assert len(looks) == 1, looks
    assert next(iter(looks)).startswith("1120px;")
