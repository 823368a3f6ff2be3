"""The vendors x building blocks overview: who is certified for which block, with what score.

Rows are products (vendor, product, version), columns are blocks; a cell holds the verdict and
score of the latest report for that product and block, a link to its HTML report when one
was written next to the matrix, and how its certificate stands (intact, and the fingerprint of
the key that signed it). Written as JSON (for portals) and as one self-contained HTML page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from conformance import __version__
from conformance.reports.certification import CertificationVerdict
from conformance.reports.folder import Seal
from conformance.reports.html import environment
from conformance.reports.i18n import DEFAULT_LANGUAGE
from conformance.results import RunReport

MATRIX_FORMAT = "gdi-conformance-matrix/1"
MATRIX_JSON = "matrix.json"
MATRIX_HTML = "index.html"


class Judged(Protocol):
    """A certification, or the verdict and score a certificate signed."""

    @property
    def verdict(self) -> CertificationVerdict: ...

    @property
    def score(self) -> int: ...


Entry = tuple[RunReport, Judged, str | None]  # a report, its judgement, the link to its HTML


@dataclass(frozen=True, slots=True)
class Cell:
    block: str
    verdict: str
    verdict_label: str
    score: int
    profile_version: str
    run_id: str
    started_at: str
    base_url: str
    report_href: str | None = None
    seal: Seal | None = None  # its certificate; None: not looked at

    def to_dict(self) -> dict[str, Any]:
        seal = self.seal
        return {
            "verdict": self.verdict,
            "score": self.score,
            "profile_version": self.profile_version,
            "run_id": self.run_id,
            "started_at": self.started_at,
            "base_url": self.base_url,
            "report": self.report_href,
            "certificate": None
            if seal is None
            else {
                "status": seal.status,
                "key_fingerprint": seal.key_fingerprint,
                "problem": seal.problem,
            },
        }


@dataclass(frozen=True, slots=True)
class Row:
    vendor: str
    product: str
    version: str
    cells: dict[str, Cell]


@dataclass(frozen=True, slots=True)
class Matrix:
    blocks: list[str]
    rows: list[Row]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MATRIX_FORMAT,
            "blocks": self.blocks,
            "rows": [
                {
                    "vendor": row.vendor,
                    "product": row.product,
                    "version": row.version,
                    "cells": {
                        block: row.cells[block].to_dict() if block in row.cells else None
                        for block in self.blocks
                    },
                }
                for row in self.rows
            ],
        }


def _identity(report: RunReport) -> tuple[str, str, str]:
    if report.product is not None:
        return report.product.vendor, report.product.name, report.product.version
    host = urlsplit(report.base_url).netloc or report.base_url
    return "(vendor not named)", host, "(version not named)"


def build_matrix(entries: Sequence[Entry], seals: Mapping[str, Seal] | None = None) -> Matrix:
    """``entries``: each report with its certification and the link to its HTML report (or
    None); ``seals``: how each report's certificate stands, by run id."""
    seals = seals or {}
    rows: dict[tuple[str, str, str], dict[str, Cell]] = {}
    blocks: list[str] = []
    for report, certification, href in sorted(entries, key=lambda item: item[0].started_at):
        block = report.profile.name
        if block not in blocks:
            blocks.append(block)
        # Later runs replace earlier ones for the same product and block (sorted by start).
        rows.setdefault(_identity(report), {})[block] = Cell(
            block=block,
            verdict=certification.verdict.value,
            verdict_label=certification.verdict.label,
            score=certification.score,
            profile_version=report.profile.version,
            run_id=report.run_id,
            started_at=report.started_at,
            base_url=report.base_url,
            report_href=href,
            seal=seals.get(report.run_id),
        )
    return Matrix(
        blocks=sorted(blocks),
        rows=[
            Row(vendor=vendor, product=product, version=version, cells=cells)
            for (vendor, product, version), cells in sorted(rows.items())
        ],
    )


def render_matrix_html(matrix: Matrix, language: str = DEFAULT_LANGUAGE) -> str:
    template = environment(language).get_template("matrix.html.j2")
    return template.render(matrix=matrix, version=__version__)
