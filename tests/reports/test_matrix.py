"""The vendors x blocks matrix."""

from __future__ import annotations

import dataclasses
import datetime as dt

from support.sample_reports import make_report

from conformance.reports.certification import certify
from conformance.reports.matrix import build_matrix, render_matrix_html
from conformance.results import Outcome, ProductInfo

TODAY = dt.date(2025, 6, 1)
ACME = ProductInfo("Acme BV", "Acme Berichten", "2.4.1")
BETA = ProductInfo("Beta NV", "Beta Suite", "1.0")


def entry(product, block="messaging", outcomes=None, started="2025-05-01T10:00:00.000Z", href=None):
    report = make_report(outcomes, product=product)
    report = dataclasses.replace(
        report, profile=dataclasses.replace(report.profile, name=block), started_at=started
    )
    return report, certify(report, today=TODAY), href


def test_rows_are_products_and_columns_blocks() -> None:
    matrix = build_matrix(
        [
            entry(ACME, "messaging", href="messaging/report.html"),
            entry(ACME, "identity", {"GDI-MSG-001": Outcome.FAILED}),
            entry(BETA, "registries", {"GDI-MSG-003": Outcome.SKIPPED}),
        ]
    )
    data = matrix.to_dict()
    assert data["blocks"] == ["identity", "messaging", "registries"]
    assert [(row["vendor"], row["product"]) for row in data["rows"]] == [
        ("Acme BV", "Acme Berichten"),
        ("Beta NV", "Beta Suite"),
    ]
    acme = data["rows"][0]["cells"]
    assert acme["messaging"]["verdict"] == "certified"
    assert acme["messaging"]["report"] == "messaging/report.html"
    assert acme["identity"]["verdict"] == "not-certified"
    assert acme["registries"] is None
    assert data["rows"][1]["cells"]["registries"]["verdict"] == "incomplete"


def test_latest_run_wins_a_cell() -> None:
    older = entry(ACME, outcomes={"GDI-MSG-001": Outcome.FAILED}, started="2025-04-01T00:00:00Z")
    newer = entry(ACME, started="2025-05-01T00:00:00Z")
    for entries in ([older, newer], [newer, older]):
        cell = build_matrix(entries).rows[0].cells["messaging"]
        assert cell.verdict == "certified"


def test_report_without_product_is_named_by_its_host() -> None:
    row = build_matrix([entry(None)]).rows[0]
    assert row.vendor == "(vendor not named)"
    assert row.product == "127.0.0.1:8123"


def test_html_lists_cells_and_links_reports() -> None:
    html = render_matrix_html(
        build_matrix([entry(ACME, href="messaging/report.html"), entry(BETA, "identity")])
    )
    assert 'href="messaging/report.html"' in html
    assert 'data-verdict="certified"' in html
    assert "not tested" in html
    assert "<script" not in html
