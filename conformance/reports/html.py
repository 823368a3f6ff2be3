"""The HTML report: one self-contained file an architect can read without reading code.

Rendered from the result model and its certification with the Jinja2 templates shipped in
``templates/``. The page has no script and loads nothing: styles are inline, the chart is an
inline SVG, so it works offline, from a mail attachment and on paper.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from conformance.reports.adr import rule_url
from conformance.reports.certification import (
    SCORE_FORMULA,
    Certification,
    CertificationVerdict,
    RequirementStanding,
    Standing,
)
from conformance.reports.charts import response_time_chart, timing_stats
from conformance.reports.i18n import DEFAULT_LANGUAGE, Translator
from conformance.reports.interop_steps import interop_steps
from conformance.results import AppliedException, Evidence, Level, RunReport

HTML_FILE = "report.html"

VERDICT_TEXT = {
    CertificationVerdict.CERTIFIED: (
        "Every MUST requirement of the profile passed{waived}, and no SHOULD requirement failed."
    ),
    CertificationVerdict.CERTIFIED_WITH_REMARKS: (
        "Every MUST requirement passed{waived}, but at least one SHOULD requirement failed. "
        "The implementation is certified; the remarks below should be addressed."
    ),
    CertificationVerdict.NOT_CERTIFIED: (
        "At least one MUST requirement failed. The implementation does not conform to the profile."
    ),
    CertificationVerdict.INCOMPLETE: (
        "The run could not establish conformance: not everything the profile requires was "
        "tested. Nothing that was tested decides against certification; run it again once the "
        "cause below is resolved."
    ),
}
STANDING_TEXT = {
    Standing.PASSED: "passed",
    Standing.FAILED: "failed",
    Standing.WAIVED: "waived",
    Standing.NOT_APPLICABLE: "not applicable",
    Standing.SKIPPED: "not executed",
    Standing.ERROR: "could not be checked",
}
LEVEL_TEXT = {
    Level.MUST: "MUST: required for certification",
    Level.SHOULD: "SHOULD: expected; a failure gives a remark",
    Level.MAY: "MAY: optional; counts towards the score only",
}


# The certification's reasons (conformance.reports.certification) are English, and signed so in
# the certificate; the HTML report shows them in its language: a fixed text, or a fixed text
# followed by requirement ids or the reason a run did not finish.
REASON_TEXTS = ("every MUST requirement passed", "every MUST requirement passed or is waived")
REASON_PREFIXES = (
    "MUST requirement(s) failed: ",
    "the run did not finish: ",
    "MUST requirement(s) not executed (skipped or in error): ",
    "SHOULD requirement(s) failed: ",
    "failure(s) accepted by a waiver: ",
)


def translate_reason(reason: str, gettext: Callable[[str], str]) -> str:
    if reason in REASON_TEXTS:
        return gettext(reason)
    for prefix in REASON_PREFIXES:
        if reason.startswith(prefix):
            return gettext(prefix) + reason[len(prefix) :]
    return reason


@dataclass(slots=True)
class FailureView:
    standing: RequirementStanding
    evidence: list[Evidence]
    anchor: str


@dataclass(slots=True)
class CoverageRow:
    operation: str
    operation_id: str | None
    cases: int
    phases: str
    observed: list[tuple[str, int, bool]]  # status, count, declared in the spec
    missing: list[str]  # declared but never observed
    failures: int
    errors: int


@dataclass(slots=True)
class Page:
    report: RunReport
    certification: Certification
    verdict_text: str
    levels: list[tuple[Level, str, list[RequirementStanding]]]
    failures: list[FailureView]
    exceptions: list[AppliedException]
    coverage: list[CoverageRow]
    chart: Markup
    timings: list[Any]
    counts: dict[str, int]
    signed_by: str | None = None  # fingerprint of the key that signs its certificate
    reasons: list[str] = field(default_factory=list)  # the certification's, in the language
    score_formula: str = SCORE_FORMULA
    standing_text: dict[Standing, str] = field(default_factory=lambda: dict(STANDING_TEXT))


@cache
def environment(language: str = DEFAULT_LANGUAGE) -> jinja2.Environment:
    """The templates' environment in ``language``: ``_()`` translates, ``when`` and
    ``seconds`` write dates and durations as that language does, ``adr_url`` links a rule."""
    translator = Translator(language)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("conformance.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        translator.gettext, translator.ngettext, newstyle=True
    )
    env.globals["language"] = language
    env.filters["ms"] = lambda value: f"{value:.0f}" if value >= 10 else f"{value:.1f}"
    env.filters["seconds"] = translator.seconds
    env.filters["when"] = translator.when
    env.filters["adr_url"] = rule_url
    return env


def when(iso: str) -> str:
    """``2025-05-01T10:00:00.000Z`` as ``1 May 2025, 10:00:00 UTC`` (as given if not ISO)."""
    return Translator().when(iso)


def _exceptions(report: RunReport) -> list[AppliedException]:
    found: dict[str, AppliedException] = {}
    for result in report.requirements:
        for applied in result.exceptions_applied:
            found.setdefault(applied.id, applied)
    return list(found.values())


def _coverage(report: RunReport) -> list[CoverageRow]:
    rows = []
    for item in report.operations:
        declared = set(item.declared_status_codes)
        observed = [
            (status, count, status in declared or "default" in declared)
            for status, count in sorted(item.status_codes.items())
        ]
        rows.append(
            CoverageRow(
                operation=item.operation,
                operation_id=item.operation_id,
                cases=item.cases,
                phases=", ".join(f"{name} {count}" for name, count in item.cases_by_phase.items()),
                observed=observed,
                missing=sorted(declared - set(item.status_codes) - {"default"}),
                failures=item.failures,
                errors=item.errors,
            )
        )
    return rows


def _failures(standings: Iterable[RequirementStanding]) -> list[FailureView]:
    shown = (Standing.FAILED, Standing.WAIVED)
    return [
        FailureView(standing=item, evidence=item.result.failures, anchor=f"failure-{item.id}")
        for item in standings
        if item.standing in shown
    ]


def build_page(
    report: RunReport,
    certification: Certification,
    signed_by: str | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> Page:
    _ = Translator(language).gettext
    waived = any(item.standing is Standing.WAIVED for item in certification.requirements)
    counts = {standing.value: 0 for standing in Standing}
    for item in certification.requirements:
        counts[item.standing.value] += 1
    return Page(
        report=report,
        certification=certification,
        verdict_text=_(VERDICT_TEXT[certification.verdict]).format(
            waived=_(" or is covered by a waiver") if waived else ""
        ),
        levels=[
            (level, _(LEVEL_TEXT[level]), certification.by_level(level))
            for level in Level
            if certification.by_level(level)
        ],
        failures=_failures(certification.requirements),
        exceptions=_exceptions(report),
        coverage=_coverage(report),
        chart=Markup(response_time_chart(report.response_times)),
        timings=timing_stats(report.response_times),
        counts=counts,
        signed_by=signed_by,
        reasons=[translate_reason(reason, _) for reason in certification.reasons],
        score_formula=_(SCORE_FORMULA),
        standing_text={standing: _(text) for standing, text in STANDING_TEXT.items()},
    )


def render_html(
    report: RunReport,
    certification: Certification,
    *,
    signed_by: str | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> str:
    page = build_page(report, certification, signed_by, language)
    template = environment(language).get_template("report.html.j2")
    return template.render(page=page, Standing=Standing, steps=interop_steps(report))
