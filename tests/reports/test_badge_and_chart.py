"""The SVG badge and the response-time chart."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from support.sample_reports import make_report

from conformance.reports.badge import COLOURS, badge_svg
from conformance.reports.certification import CertificationVerdict, certify
from conformance.reports.charts import percentile, response_time_chart, timing_stats
from conformance.results import Outcome

SVG = "{http://www.w3.org/2000/svg}"


def test_badge_shows_verdict_score_and_colour() -> None:
    report = make_report({"GDI-MSG-001": Outcome.FAILED})
    certification = certify(report, today=dt.date(2025, 6, 1))
    svg = ET.fromstring(badge_svg("messaging", certification))
    texts = [element.text for element in svg.iter(f"{SVG}text")]
    assert texts == ["GDI messaging", "not certified · 75"]
    fills = [element.get("fill") for element in svg.iter(f"{SVG}rect")]
    assert COLOURS[CertificationVerdict.NOT_CERTIFIED] in fills
    assert svg.get("aria-label") == "GDI messaging: not certified, score 75/100"


def test_badge_widens_with_its_text() -> None:
    certification = certify(make_report(), today=dt.date(2025, 6, 1))
    short = ET.fromstring(badge_svg("x", certification))
    long = ET.fromstring(badge_svg("registries-and-more", certification))
    assert int(long.get("width", "0")) > int(short.get("width", "0"))


def test_percentiles_are_nearest_rank() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 100.0]
    assert percentile(values, 0.5) == 3.0
    assert percentile(values, 0.95) == 100.0
    stats = timing_stats(make_report().response_times)
    assert [item.operation for item in stats] == ["GET /inbox", "POST /messages"]
    assert (stats[1].fastest, stats[1].median, stats[1].slowest, stats[1].count) == (
        3.0,
        5.0,
        40.0,
        6,
    )


def test_chart_is_valid_svg_with_a_row_per_operation() -> None:
    svg = ET.fromstring(response_time_chart(make_report().response_times))
    assert len(svg.findall(f"{SVG}g")) == 2
    assert len(svg.findall(f".//{SVG}rect")) == 2
    assert response_time_chart([]) == ""
