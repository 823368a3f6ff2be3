# ruff: noqa: E501  (the table of cases reads best one case per line)
"""Every rule: silent on the conformant baseline, and firing on a spec broken for it.

Each case is (rule id, a mutation of the baseline, the path the finding must have). The
expected paths and behaviour follow the official ruleset (checked against Spectral 6.16 with the
official ADR 2.2 ruleset when these cases were written).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from support.lint_helpers import REPO, baseline, lint

from conformance.lint import RULES, lint_spec
from conformance.spec import load_spec

LINT_CASES = REPO / "fixtures" / "lint-cases"

Doc = dict[str, Any]


def _dossier(doc: Doc) -> Doc:
    return doc["components"]["schemas"]["Dossier"]["properties"]


def _list_get(doc: Doc) -> Doc:
    return doc["paths"]["/dossiers"]["get"]


def _drop_openapi(doc: Doc) -> None:
    del doc["openapi"]


def _no_version_header(doc: Doc) -> None:
    _list_get(doc)["responses"]["200"]["headers"] = {"X-Other": {"schema": {"type": "string"}}}


def _no_headers(doc: Doc) -> None:
    del _list_get(doc)["responses"]["200"]["headers"]


def _contact_without_url(doc: Doc) -> None:
    del doc["info"]["contact"]["url"]


def _trace_method(doc: Doc) -> None:
    doc["paths"]["/dossiers"]["trace"] = {"responses": {"200": {"description": "x"}}}


def _query_snake(doc: Doc) -> None:
    _list_get(doc)["parameters"].append({"name": "sort_order", "in": "query"})


def _add_path(path: str) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        doc["paths"][path] = doc["paths"].pop("/dossiers")

    return mutate


def _schema_name(doc: Doc) -> None:
    doc["components"]["schemas"]["dossier_lijst"] = {"type": "object"}


def _http_server(doc: Doc) -> None:
    doc["servers"] = [{"url": "http://api.example.org/v1"}]


def _links_casing(doc: Doc) -> None:
    _dossier(doc)["_links"]["x-Extra"] = True


def _problem_json(doc: Doc) -> None:
    content = doc["components"]["responses"]["Problem"]["content"]
    content["application/json"] = content.pop("application/problem+json")


def _problem_members(doc: Doc) -> None:
    del doc["components"]["schemas"]["Problem"]["properties"]["detail"]


def _no_400_on_post(doc: Doc) -> None:
    del doc["paths"]["/dossiers"]["post"]["responses"]["400"]


def _format(name: str, fmt: str) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        _dossier(doc)[name] = {"type": "string", "format": fmt}

    return mutate


def _date_without_format(doc: Doc) -> None:
    _dossier(doc)["eindDatum"] = {"type": "string"}


def _set(path: tuple[str | int, ...], value: Any) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        node = doc
        for segment in path[:-1]:
            node = node[segment]
        node[path[-1]] = value

    return mutate


def _remove(path: tuple[str | int, ...]) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        node = doc
        for segment in path[:-1]:
            node = node[segment]
        del node[path[-1]]

    return mutate


def _duplicate_operation_id(doc: Doc) -> None:
    doc["paths"]["/dossiers"]["post"]["operationId"] = "listDossiers"


def _undeclared_path_param(doc: Doc) -> None:
    doc["paths"]["/dossiers/{id}"]["parameters"] = []


def _bad_media_example(doc: Doc) -> None:
    _list_get(doc)["responses"]["200"]["content"]["application/json"]["example"] = {"naam": 5}


def _bsn_param(doc: Doc) -> None:
    _list_get(doc)["parameters"].append({"name": "bsn", "in": "query"})


def _mixed_pagination(doc: Doc) -> None:
    _list_get(doc)["parameters"].append({"name": "cursor", "in": "query"})


GET = "paths./dossiers.get"
CASES: list[tuple[str, Callable[[Doc], None], str]] = [
    ("nlgov:openapi3", _set(("openapi",), "2.0"), "openapi"),
    ("nlgov:openapi-root-exists", _drop_openapi, ""),
    ("unrecognized-format", _drop_openapi, ""),
    ("nlgov:missing-version-header", _no_version_header, f"{GET}.responses[200].headers"),
    ("nlgov:missing-header", _no_headers, f"{GET}.responses[200]"),
    ("nlgov:include-major-version-in-uri", _set(("servers",), [{"url": "https://a.nl/api"}]), "servers[0].url"),
    ("nlgov:paths-no-trailing-slash", _add_path("/dossiers /"), "paths['/dossiers /']"),
    ("nlgov:info-contact-fields-exist", _contact_without_url, "info.contact"),
    ("nlgov:http-methods", _trace_method, "paths./dossiers.trace"),
    ("nlgov:paths-kebab-case", _add_path("/dossierLijst"), "paths./dossierLijst"),
    ("nlgov:query-keys-camel-case", _query_snake, f"{GET}.parameters[2].name"),
    ("nlgov:schema-camel-case", _schema_name, "components.schemas.dossier_lijst"),
    ("nlgov:servers-use-https", _http_server, "servers[0].url"),
    ("nlgov:property-casing", _links_casing, "components.schemas.Dossier.properties._links.x-Extra"),
    ("nlgov:semver", _set(("info", "version"), "1.0"), "info.version"),
    ("nlgov:use-problem-schema", _problem_json, "components.responses.Problem.content"),
    ("nlgov:problem-schema-members", _problem_members, "components.schemas.Problem.properties"),
    ("nlgov:problem-invalid-input", _no_400_on_post, "paths./dossiers.post.responses"),
    ("nlgov:date-time-ensure-timezone", _format("tijdstip", "date-time-local"), "components.schemas.Dossier.properties.tijdstip.format"),
    ("nlgov:time-without-timezone", _format("tijd", "time"), "components.schemas.Dossier.properties.tijd.format"),
    ("nlgov:specify-format-for-date-and-time", _date_without_format, "components.schemas.Dossier.properties.eindDatum"),
    ("nlgov:use-date-instead-of-datetime", _format("eindDatum", "date-time"), "components.schemas.Dossier.properties.eindDatum.format"),
    ("operation-operationId-unique", _duplicate_operation_id, "paths./dossiers.post.operationId"),
    ("path-params", _undeclared_path_param, "paths./dossiers/{id}.delete"),
    ("openapi-tags-uniqueness", _set(("tags",), [{"name": "a"}, {"name": "a"}]), "tags[1].name"),
    ("oas3-api-servers", _set(("servers",), []), "servers"),
    ("path-keys-no-trailing-slash", _add_path("/dossiers/"), "paths./dossiers/"),
    ("info-contact", _remove(("info", "contact")), "info"),
    ("oas3-server-variables", _set(("servers",), [{"url": "https://{env}.example.org/v1"}]), "servers[0]"),
    ("oas3-schema", _set(("info", "title"), 5), "info.title"),
    ("oas3-valid-media-example", _bad_media_example, f"{GET}.responses[200].content.application/json.example.naam"),
    ("oas3-valid-schema-example", _set(("components", "schemas", "Dossier", "properties", "naam", "example"), 5), "components.schemas.Dossier.properties.naam.example"),
    ("gdi:no-sensitive-uris", _bsn_param, f"{GET}.parameters[2].name"),
    ("gdi:pagination-parameters", _mixed_pagination, GET),
]  # fmt: skip


# What Spectral reports while loading (unresolvable $refs, keys its parser refuses) needs a spec
# file: these rules fail on fixtures/lint-cases (test_lint_cases.py).
LOADING_RULES = {"invalid-ref": "broken-refs.yaml", "parser": "unquoted-status-codes.yaml"}


def test_every_rule_has_a_failing_case() -> None:
    assert {rule.id for rule in RULES} == {case[0] for case in CASES} | set(LOADING_RULES)


@pytest.mark.parametrize("rule_id", sorted(LOADING_RULES))
def test_loading_rule_fails_on_its_spec(rule_id: str) -> None:
    spec = load_spec(LINT_CASES / LOADING_RULES[rule_id], keep_broken_refs=True)
    assert rule_id in {f.rule for f in lint_spec(spec)}


def test_head_and_options_are_standard_methods() -> None:
    # /core/http-methods asks for RFC 9110 semantics, under which a GET resource answers HEAD.
    doc = baseline()
    for method in ("head", "options"):
        doc["paths"]["/dossiers"][method] = {"responses": {"200": {"description": "x"}}}
    assert [f for f in lint(doc) if f.rule == "nlgov:http-methods"] == []


def test_our_own_rules_are_extras_in_their_own_namespace() -> None:
    extras = {rule.id for rule in RULES if rule.extra}
    assert extras == {"gdi:no-sensitive-uris", "gdi:pagination-parameters"}
    assert not any(rule.id.startswith("gdi:") for rule in RULES if not rule.extra)
    assert not any(rule.id.startswith("nlgov:") for rule in RULES if rule.extra)


def test_extras_are_marked_and_left_out_unless_asked() -> None:
    doc = baseline()
    _bsn_param(doc)
    with_extras = [f for f in lint(doc) if f.rule == "gdi:no-sensitive-uris"]
    assert with_extras and all(f.extra for f in with_extras)
    assert not [f for f in lint(doc, extras=False) if f.extra]


@pytest.mark.parametrize("rule_id", sorted(rule.id for rule in RULES))
def test_rule_passes_on_the_conformant_baseline(rule_id: str) -> None:
    assert [f for f in lint(baseline()) if f.rule == rule_id] == []


@pytest.mark.parametrize(("rule_id", "mutate", "path"), CASES, ids=[case[0] for case in CASES])
def test_rule_fails_on_a_broken_spec(
    rule_id: str, mutate: Callable[[Doc], None], path: str
) -> None:
    doc = baseline()
    mutate(doc)
    found = {(f.rule, f.path) for f in lint(doc)}
    assert (rule_id, path) in found
