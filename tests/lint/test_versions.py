"""--adr 2.0 / 2.1 / 2.2: which rules apply, at which severity (conformance/lint/versions.py)."""

from __future__ import annotations

from support.lint_helpers import baseline, keys, lint

from conformance.lint import RULES

NEW_IN_2_2 = {
    "nlgov:paths-kebab-case",
    "nlgov:query-keys-camel-case",
    "nlgov:use-problem-schema",
    "nlgov:problem-schema-members",
    "nlgov:problem-invalid-input",
    "nlgov:date-time-ensure-timezone",
    "nlgov:time-without-timezone",
    "nlgov:specify-format-for-date-and-time",
    "nlgov:use-date-instead-of-datetime",
}


def test_rule_sets_per_version() -> None:
    ids = {
        version: {rule.id for rule in RULES.for_version(version)}
        for version in ("2.0", "2.1", "2.2")
    }
    assert ids["2.2"] == {rule.id for rule in RULES}
    assert ids["2.2"] - ids["2.1"] == NEW_IN_2_2
    assert ids["2.1"] - ids["2.0"] == {"nlgov:info-contact-fields-exist"}


def test_contact_fields_are_required_from_2_1() -> None:
    doc = baseline()
    del doc["info"]["contact"]["email"]
    finding = ("nlgov:info-contact-fields-exist", "info.contact", "error")
    assert finding not in keys(lint(doc, "2.0"))
    assert finding in keys(lint(doc, "2.1"))
    assert finding in keys(lint(doc, "2.2"))


def test_contact_itself_is_a_warning_in_2_0() -> None:
    doc = baseline()
    del doc["info"]["contact"]
    assert ("info-contact", "info", "warning") in keys(lint(doc, "2.0"))
    assert ("info-contact", "info", "error") in keys(lint(doc, "2.1"))


def test_trailing_slash_is_a_warning_before_2_2() -> None:
    doc = baseline()
    doc["paths"]["/dossiers/"] = doc["paths"].pop("/dossiers")
    assert ("path-keys-no-trailing-slash", "paths./dossiers/", "warning") in keys(lint(doc, "2.1"))
    assert ("path-keys-no-trailing-slash", "paths./dossiers/", "error") in keys(lint(doc, "2.2"))


def test_problem_details_apply_from_2_2() -> None:
    doc = baseline()
    content = doc["components"]["responses"]["Problem"]["content"]
    content["application/json"] = content.pop("application/problem+json")
    finding = ("nlgov:use-problem-schema", "components.responses.Problem.content", "error")
    assert finding not in keys(lint(doc, "2.1"))
    assert finding in keys(lint(doc, "2.2"))
