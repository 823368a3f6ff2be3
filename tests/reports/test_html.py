"""The HTML report: verdict first, every outcome and failure shown, self-contained and escaped."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

from support.sample_reports import evidence, make_report

from conformance.reports import adr
from conformance.reports.certification import certify
from conformance.reports.html import render_html, when
from conformance.reports.waivers import Waiver
from conformance.results import Outcome, ProductInfo

TODAY = dt.date(2025, 6, 1)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


def page(outcomes: dict[str, Outcome] | None = None, waivers: list[Waiver] | None = None, **kw):
    report = make_report(outcomes, **kw)
    return render_html(report, certify(report, waivers, today=TODAY))


def test_verdict_comes_first_with_score() -> None:
    html = page({"GDI-MSG-001": Outcome.FAILED})
    text = " ".join(" ".join(parse(html).text).split())
    verdict_at = text.index("not certified")
    assert verdict_at < text.index("Requirements")
    assert verdict_at < text.index("GDI-MSG-002")
    assert 'data-verdict="not-certified"' in html
    assert re.search(r'class="score-value">75<', html)


def test_every_requirement_is_listed_by_level_with_its_outcome() -> None:
    html = page({"GDI-MSG-010": Outcome.FAILED, "GDI-MSG-020": Outcome.SKIPPED})
    for level in ("MUST requirements", "SHOULD requirements", "MAY requirements"):
        assert level in html
    assert re.search(r'id="req-GDI-MSG-010".*?pill failed', html, re.S)
    assert re.search(r'id="req-GDI-MSG-020".*?pill skipped">not executed', html, re.S)
    assert "certified with remarks" in html


def test_failure_shows_redacted_exchange_and_curl() -> None:
    html = page({"GDI-MSG-001": Outcome.FAILED})
    assert 'id="failure-GDI-MSG-001"' in html
    assert "API-Version header missing" in html
    assert "Authorization: [REDACTED]" in html
    assert "curl -X POST &#39;http://127.0.0.1:8123/messaging/v1/messages&#39;" in html
    assert "HTTP 201" in html


def test_text_from_the_target_is_escaped() -> None:
    hostile = evidence("GDI-MSG-001")
    hostile.message = "<script>alert(1)</script>"
    html = page({"GDI-MSG-001": Outcome.FAILED}, failures={"GDI-MSG-001": [hostile]})
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_waivers_and_exceptions_are_shown_never_hidden() -> None:
    held = Waiver("GDI-MSG-001", "gateway upgrade pending", dt.date(2025, 7, 1))
    expired = Waiver("GDI-MSG-010", "old promise", dt.date(2025, 1, 1))
    html = page({"GDI-MSG-001": Outcome.FAILED, "GDI-MSG-010": Outcome.FAILED}, [held, expired])
    assert 'id="failure-GDI-MSG-001"' in html, "a waived failure keeps its evidence on the page"
    assert "waived until 2025-07-01: gateway upgrade pending" in html
    assert "expired: the failure counts" in html
    assert "the waiver expired on 2025-01-01, so the failure counts" in html
    assert "GDI-MSG-X01" in html and "The CloudEvents callback answers" in html


def test_run_facts_coverage_and_chart() -> None:
    html = page(product=ProductInfo("Acme BV", "Acme Berichten", "2.4.1"))
    for fact in ("0b5f2f5e-8c1a-4f3e-9a53-6a3d2e1f0c9b", ">42<", "4.32.5", "6.140.0", "a" * 64):
        assert fact in html
    assert "Acme BV Acme Berichten 2.4.1" in html
    assert '<span class="mono status-undeclared"' in html  # the 500 is not declared
    assert "<svg" in html and "Response times per operation" in html
    assert "POST /messages: median 5.0 ms" in html


def test_page_is_self_contained() -> None:
    html = page({"GDI-MSG-001": Outcome.FAILED})
    tags = parse(html).tags
    assert not [tag for tag, _ in tags if tag in ("script", "link", "img", "iframe", "object")]
    for tag, attrs in tags:
        assert attrs.get("src") is None, (tag, attrs)
        href = attrs.get("href")
        # Nothing is loaded from elsewhere; the one way out is a link to an ADR rule's text.
        assert href is None or href.startswith(("#", f"{adr.PAGE}#/core/")), href
    assert "@import" not in html and "url(http" not in html


def test_no_response_times_says_so() -> None:
    report = make_report()
    report.response_times = []
    html = render_html(report, certify(report, today=TODAY))
    assert "No response times were recorded." in html


def test_when_formats_utc_timestamps() -> None:
    assert when("2025-05-01T10:00:00.000Z") == "1 May 2025, 10:00:00 UTC"
    assert when("yesterday") == "yesterday"


def test_the_key_that_signs_the_certificate_is_named() -> None:
    report = make_report()
    html = render_html(report, certify(report), signed_by="SHA256:" + "ab" * 32)
    assert '<dd class="mono" id="signed-by">SHA256:' + "ab" * 32 in html
    assert 'id="signed-by"' not in render_html(report, certify(report))
