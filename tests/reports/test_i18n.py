"""The HTML report and the overview in Dutch and English; ADR rule ids link to the rules."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import yaml
from support.sample_reports import make_report

from conformance.cli import main
from conformance.interop import GEBOORTE, Implementation, combination_of
from conformance.interop.matrix import Cell, Matrix, ScenarioCell
from conformance.paths import specs_root
from conformance.reports import adr
from conformance.reports import certification as certification_module
from conformance.reports.certification import SCORE_FORMULA, CertificationVerdict, certify
from conformance.reports.html import (
    LEVEL_TEXT,
    REASON_PREFIXES,
    REASON_TEXTS,
    STANDING_TEXT,
    VERDICT_TEXT,
    environment,
    render_html,
)
from conformance.reports.i18n import LANGUAGES, Translator, catalogue
from conformance.reports.interop_matrix import render_interop_matrix
from conformance.reports.matrix import build_matrix, render_matrix_html
from conformance.results import (
    CheckResult,
    Level,
    Outcome,
    ProductInfo,
    RequirementResult,
    write_report,
)


def template_messages() -> set[str]:
    env = environment("en")
    found: set[str] = set()
    for name in ("report.html.j2", "matrix.html.j2", "interop_matrix.html.j2"):
        source = env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
        for _, _, message in env.extract_translations(source):  # type: ignore[attr-defined]
            found.update(m for m in (message if isinstance(message, tuple) else (message,)) if m)
    return found


def python_messages() -> set[str]:
    return {
        *VERDICT_TEXT.values(),
        *STANDING_TEXT.values(),
        *LEVEL_TEXT.values(),
        *(verdict.label for verdict in CertificationVerdict),
        SCORE_FORMULA,
        *(outcome.value for outcome in (Outcome.PASSED, Outcome.FAILED, Outcome.ERROR)),
        "skipped",  # the outcomes of an interop matrix's combinations and life events
        *REASON_TEXTS,
        *REASON_PREFIXES,
        " or is covered by a waiver",
        "no limit",
    }


def test_every_text_has_a_dutch_translation() -> None:
    dutch = catalogue("nl")
    wanted = template_messages() | python_messages()
    assert len(wanted) > 100
    assert sorted(wanted - set(dutch)) == []
    assert sorted(set(dutch) - wanted) == [], "no stale entries in the catalogue"
    placeholder = re.compile(r"%\(\w+\)s|\{\w+\}")
    for english, translated in dutch.items():
        # The same placeholders, so a translation never drops or invents a value.
        assert sorted(placeholder.findall(english)) == sorted(placeholder.findall(translated))


def test_the_report_in_dutch() -> None:
    report = make_report({"GDI-MSG-001": Outcome.FAILED}, product=ProductInfo("Acme", "B", "1"))
    html = render_html(report, certify(report), language="nl")
    assert '<html lang="nl">' in html
    for text in (
        "Oordeel",
        "niet gecertificeerd",
        "Eisen",
        "Fouten",
        "Herhalen met",
        "score op 100",
    ):
        assert text in html, text
    assert Translator("nl").when(report.started_at).split()[1] in html  # a Dutch month
    for english in (">Verdict<", ">Requirements<", ">Failures<", "Reproduce with"):
        assert english not in html, english
    english = render_html(report, certify(report))
    assert '<html lang="en">' in english and ">Verdict<" in english


def test_the_overview_in_dutch() -> None:
    report = make_report()
    matrix = build_matrix([(report, certify(report), "messaging/report.html")])
    html = render_matrix_html(matrix, "nl")
    assert '<html lang="nl">' in html and "Leveranciers en bouwstenen" in html
    assert ">gecertificeerd<" in html
    assert "Vendors and building blocks" in render_matrix_html(matrix)


@pytest.mark.parametrize("language", LANGUAGES)
def test_adr_rule_ids_link_to_the_rules_text(language: str) -> None:
    report = make_report()
    html = render_html(report, certify(report), language=language)
    link = 'href="https://logius-standaarden.github.io/API-Design-Rules/#/core/version-header"'
    assert f'<a class="adr-rule" {link}>/core/version-header</a>' in html


def test_every_rule_a_profile_names_is_on_the_published_page() -> None:
    named = {
        rule
        for profile in specs_root().glob("*/v*/profile.yaml")
        for item in yaml.safe_load(profile.read_text())["requirements"]
        for rule in item.get("adr") or ()
    }
    assert named, "the profiles name ADR rules"
    assert {rule: adr.rule_url(rule) for rule in named if adr.rule_url(rule) is None} == {}
    assert adr.rule_url("/core/no-such-rule") is None


def interop_like(failed_step: str) -> object:
    report = make_report()
    steps = GEBOORTE.steps
    at = [step.id for step in steps].index(failed_step)
    outcomes = [Outcome.PASSED] * at + [Outcome.FAILED] + [Outcome.SKIPPED] * (len(steps) - at - 1)
    checks = [
        CheckResult(
            id=GEBOORTE.check_id(step),
            outcome=outcome,
            cases=1,
            failures=int(outcome is Outcome.FAILED),
            errors=0,
            reason="at fault: registries: the child has no BSN"
            if outcome is Outcome.FAILED
            else None,
        )
        for step, outcome in zip(steps, outcomes, strict=True)
    ]
    requirement = RequirementResult(
        id=GEBOORTE.requirement,
        level=Level.MUST,
        statement=GEBOORTE.statement,
        outcome=Outcome.FAILED,
        checks=[GEBOORTE.check_id(step) for step in steps],
    )
    profile = dataclasses.replace(report.profile, kind="interop", name="interop")
    return dataclasses.replace(report, profile=profile, requirements=[requirement], checks=checks)


def test_the_life_event_report_lists_each_step_with_its_block() -> None:
    report = interop_like("declare-birth")
    html = render_html(report, certify(report))  # type: ignore[arg-type]
    assert "building block</div>" not in html.split("<h1>")[0].split("eyebrow")[-1]
    assert "life events across building blocks" in html
    assert "interop building block" not in html
    rows = re.findall(r'<tr id="step-geboorte-([a-z-]+)" data-block="([a-z]*)">', html)
    assert rows == [(step.id, step.block) for step in GEBOORTE.steps]
    row = html[html.index('id="step-geboorte-declare-birth"') :].split("</tr>")[0]
    assert "registries" in row and 'class="pill failed"' in row and "no BSN" in row
    assert 'href="#steps"' in html
    assert 'id="steps"' not in render_html(make_report(), certify(make_report()))


def test_report_command_renders_in_the_language_asked(tmp_path: Path, capsys) -> None:
    report = make_report()
    path = write_report(report, tmp_path)
    assert main(["report", str(path), "--format", "html", "--lang", "nl"]) in (0, 1)
    assert '<html lang="nl">' in (tmp_path / "report.html").read_text()
    assert main(["report", str(path), "--format", "html", "--lang", "de"]) == 2
    assert "invalid choice: 'de'" in capsys.readouterr().err


def interop_matrix() -> Matrix:
    """Two combinations: all reference, and one whose registries failed geboorte."""
    matrix = Matrix(seed=7, scenarios=["geboorte"])
    good = combination_of("http://127.0.0.1:1/i", "http://127.0.0.1:2/r", "http://127.0.0.1:3/m")
    bad = dataclasses.replace(
        good, registries=Implementation("registries", "broken-registries", "http://127.0.0.1:4/r")
    )
    matrix.cells.append(Cell(good, "passed", "a", [ScenarioCell("geboorte", "passed")]))
    failed = ScenarioCell(
        "geboorte", "failed", "child-registered", "registries", "broken-registries", "no BSN"
    )
    matrix.cells.append(Cell(bad, "failed", "b", [failed]))
    return matrix


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_interop_matrix_has_the_reports_style(language: str) -> None:
    html = render_interop_matrix(interop_matrix(), language)
    assert f'<html lang="{language}">' in html
    assert "--accent: #154273" in html and "<main>" in html  # the reports' one stylesheet
    assert '<tr data-outcome="failed">' in html and "broken-registries" in html
    heading = "Levensgebeurtenissen over bouwstenen heen" if language == "nl" else "Life events"
    assert heading in html


def test_every_reason_the_certification_gives_is_translated() -> None:
    """The reasons are English in the certificate; each kind has its Dutch text in the report."""
    source = Path(certification_module.__file__).read_text()
    given = re.findall(r'reasons\.(?:append|insert)\((?:0, )?\s*f?"([^"{]+)', source)
    assert len(given) == 6
    for text in given:
        assert text in REASON_TEXTS or text in REASON_PREFIXES, text
