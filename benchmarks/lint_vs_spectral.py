"""Benchmark: our ADR linter against Spectral with the official ADR ruleset, on one large spec.

Generates an OpenAPI 3.0 spec with ``--resources`` resources (6 operations each; the default 100
gives 600 operations) with realistic schemas ($ref'd components, nested objects, enums, dates,
examples) and a sprinkling of deliberate ADR violations. Then, in one run:

* lints it in-process with ``conformance.lint`` (load + lint, and lint alone),
* lints it with ``gdi-conformance lint --format json`` in a subprocess,
* lints it with Spectral and the official ruleset (``spectral lint -r linter.yaml -f json``),

checks that both report the same error findings (as sets of rule id and JSON path; our extra
rules and the deliberately re-scoped nlgov:http-methods are left out of the comparison) and
prints the wall times and the ratio.

    python benchmarks/lint_vs_spectral.py --spectral node_modules/.bin/spectral

Spectral is found with ``--spectral``, else the SPECTRAL environment variable, else ``spectral``
on PATH. This is a measurement, not a test: it exits 1 only when the findings differ.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from conformance.lint import RULES, lint_spec
from conformance.lint.official import official_ruleset_path
from conformance.spec import format_path, load_spec

# Rules whose findings are ours alone, or deliberately differ from the official selector.
NOT_COMPARED = {
    rule.id for rule in RULES if rule.origin == "extra" or rule.id == "nlgov:http-methods"
}
SEVERITY = {0: "error", 1: "warning", 2: "info", 3: "hint"}
STATUSES = ["concept", "actief", "gesloten", "gearchiveerd"]


def problem_responses() -> dict[str, Any]:
    problem = {"$ref": "#/components/schemas/Problem"}
    responses: dict[str, Any] = {}
    for code, text in [
        ("400", "Ongeldige invoer"),
        ("401", "Niet geauthenticeerd"),
        ("403", "Geen toegang"),
        ("404", "Niet gevonden"),
        ("500", "Interne fout"),
    ]:
        responses[f"Status{code}"] = {
            "description": text,
            "headers": {"API-Version": {"$ref": "#/components/headers/ApiVersion"}},
            "content": {"application/problem+json": {"schema": problem}},
        }
    return responses


def resource_schema(
    index: int, rng: random.Random, *, date_time_date: bool, bad_example: bool
) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "id": {"type": "string", "format": "uuid", "readOnly": True},
        "naam": {"type": "string", "maxLength": 200, "example": f"Dossier {index}"},
        "omschrijving": {"type": "string", "maxLength": 2000},
        "status": {"type": "string", "enum": STATUSES, "example": rng.choice(STATUSES)},
        "aangemaaktOp": {"type": "string", "format": "date-time", "readOnly": True},
        "ingangsDatum": {"type": "string", "format": "date", "example": "2024-05-01"},
        "bedrag": {"type": "number", "minimum": 0, "example": 125.5},
        "aantal": {"type": "integer", "minimum": 0, "example": rng.randint(0, 99)},
        "adres": {"$ref": "#/components/schemas/Adres"},
        "labels": {"type": "array", "items": {"type": "string", "maxLength": 50}, "maxItems": 20},
        "kenmerken": {"type": "object", "additionalProperties": {"type": "string"}},
        "behandelaar": {
            "type": "object",
            "properties": {
                "naam": {"type": "string"},
                "email": {
                    "type": "string",
                    "format": "email",
                    "example": "behandelaar@example.org",
                },
                "telefoon": {"type": "string", "pattern": "^\\+?[0-9 ]{6,20}$"},
            },
        },
        "_links": {
            "type": "object",
            "properties": {
                "self": {"$ref": "#/components/schemas/Link"},
                "documenten": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}},
            },
        },
    }
    if date_time_date:
        properties["startDatum"] = {"type": "string", "format": "date-time"}  # violation
    example = {"naam": f"Dossier {index}", "status": "actief", "aantal": 3}
    if bad_example:
        example["aantal"] = "veel"  # violation: not an integer
    return {
        "type": "object",
        "required": ["naam", "status"],
        "properties": properties,
        "example": example,
    }


def build_spec(resources: int, seed: int = 20240501) -> dict[str, Any]:
    """A large, realistic spec with deterministic violations every few resources."""
    rng = random.Random(seed)
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {
        "Problem": {
            "type": "object",
            "required": ["status", "title", "detail"],
            "properties": {
                "type": {"type": "string", "format": "uri"},
                "title": {"type": "string"},
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "detail": {"type": "string"},
                "instance": {"type": "string", "format": "uri"},
            },
        },
        "Adres": {
            "type": "object",
            "properties": {
                "straat": {"type": "string"},
                "huisnummer": {"type": "integer", "minimum": 1},
                "postcode": {
                    "type": "string",
                    "pattern": "^[1-9][0-9]{3}[A-Z]{2}$",
                    "example": "1234AB",
                },
                "woonplaats": {"type": "string"},
                "tijdVanBezorging": {"type": "string", "format": "time"},  # violation (once)
            },
        },
        "Link": {
            "type": "object",
            "required": ["href"],
            "properties": {"href": {"type": "string", "format": "uri"}},
        },
        "Paginering": {
            "type": "object",
            "properties": {
                "page": {"type": "integer", "minimum": 1},
                "pageSize": {"type": "integer", "minimum": 1},
                "totalItems": {"type": "integer", "minimum": 0},
            },
        },
    }
    common = {"$ref": "#/components/responses/Status400"}
    version_header = {"API-Version": {"$ref": "#/components/headers/ApiVersion"}}
    previous_operation_id = "listDossiers0"
    for i in range(resources):
        name = f"Dossier{i}"
        schemas[name] = resource_schema(i, rng, date_time_date=i % 23 == 2, bad_example=i % 29 == 3)
        schemas[f"{name}Lijst"] = {
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}},
                "paginering": {"$ref": "#/components/schemas/Paginering"},
            },
        }
        collection = f"/dossiers-{i}" if i % 17 != 0 else f"/dossiers{i}Items"  # violation
        if i % 47 == 8:
            collection += "/"  # violation: trailing slash
        item = f"/dossiers-{i}/{{id}}"
        ok_headers = {} if i % 37 == 5 else {"headers": version_header}  # violation: no headers
        list_params: list[Any] = [
            {"$ref": "#/components/parameters/Page"},
            {"$ref": "#/components/parameters/PageSize"},
            {
                "name": "sort_order" if i % 31 == 4 else "sorteer",  # violation: not camelCase
                "in": "query",
                "schema": {"type": "string", "enum": ["naam", "-naam", "aangemaaktOp"]},
            },
            {"name": "zoekterm", "in": "query", "schema": {"type": "string", "maxLength": 100}},
        ]
        error_500 = (
            {"description": "Fout", "content": {"application/json": {"schema": {"type": "object"}}}}
            if i % 41 == 6  # violation: no problem+json
            else {"$ref": "#/components/responses/Status500"}
        )
        create_responses: dict[str, Any] = {
            "201": {
                "description": "Aangemaakt",
                "headers": {
                    **version_header,
                    "Location": {"schema": {"type": "string", "format": "uri"}},
                },
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                },
            },
            "400": common,
            "401": {"$ref": "#/components/responses/Status401"},
            "500": error_500,
        }
        if i % 19 == 1:
            del create_responses["400"]  # violation: no 400 for input
        request_example: dict[str, Any] = {"naam": f"Nieuw dossier {i}", "status": "concept"}
        if i % 53 == 9:
            request_example["status"] = "onbekend"  # violation: not in the enum
        operation_id = f"listDossiers{i}" if i % 43 != 7 else previous_operation_id  # violation
        paths[collection] = {
            "get": {
                "operationId": operation_id,
                "summary": f"Dossiers {i} opvragen",
                "tags": ["dossiers"],
                "parameters": list_params,
                "responses": {
                    "200": {
                        "description": "Een pagina dossiers",
                        **ok_headers,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/{name}Lijst"}
                            }
                        },
                    },
                    "400": common,
                    "401": {"$ref": "#/components/responses/Status401"},
                    "500": error_500,
                },
            },
            "post": {
                "operationId": f"createDossier{i}",
                "summary": f"Dossier {i} aanmaken",
                "tags": ["dossiers"],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{name}"},
                            "example": request_example,
                        }
                    },
                },
                "responses": create_responses,
            },
        }
        item_responses = {
            "400": common,
            "404": {"$ref": "#/components/responses/Status404"},
            "500": {"$ref": "#/components/responses/Status500"},
        }
        one = {"$ref": f"#/components/schemas/{name}"}
        paths[item] = {
            "parameters": [{"$ref": "#/components/parameters/Id"}],
            "get": {
                "operationId": f"getDossier{i}",
                "tags": ["dossiers"],
                "responses": {
                    "200": {
                        "description": "Het dossier",
                        "headers": version_header,
                        "content": {"application/json": {"schema": one}},
                    },
                    **item_responses,
                },
            },
            "put": {
                "operationId": f"replaceDossier{i}",
                "tags": ["dossiers"],
                "requestBody": {"required": True, "content": {"application/json": {"schema": one}}},
                "responses": {
                    "200": {
                        "description": "Vervangen",
                        "headers": version_header,
                        "content": {"application/json": {"schema": one}},
                    },
                    **item_responses,
                },
            },
            "patch": {
                "operationId": f"updateDossier{i}",
                "tags": ["dossiers"],
                "requestBody": {
                    "required": True,
                    "content": {"application/merge-patch+json": {"schema": one}},
                },
                "responses": {
                    "200": {
                        "description": "Bijgewerkt",
                        "headers": version_header,
                        "content": {"application/json": {"schema": one}},
                    },
                    **item_responses,
                },
            },
            "delete": {
                "operationId": f"deleteDossier{i}",
                "tags": ["dossiers"],
                "responses": {
                    "204": {"description": "Verwijderd", "headers": version_header},
                    **item_responses,
                },
            },
        }
        previous_operation_id = f"listDossiers{i}"
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Dossiers (benchmark)",
            "version": "1.0",  # violation: not semver
            "contact": {
                "name": "Beheer",
                "url": "https://example.org",
                "email": "beheer@example.org",
            },
        },
        "servers": [{"url": "https://api.example.org/dossiers/v1"}],
        "tags": [{"name": "dossiers"}],
        "paths": paths,
        "components": {
            "headers": {
                "ApiVersion": {
                    "description": "Volledige versie",
                    "schema": {"type": "string"},
                    "example": "1.0.0",
                }
            },
            "parameters": {
                "Id": {
                    "name": "id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "format": "uuid"},
                },
                "Page": {
                    "name": "page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "default": 1},
                },
                "PageSize": {
                    "name": "pageSize",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                },
            },
            "responses": problem_responses(),
            "schemas": schemas,
        },
    }


def timed(action: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time of ``repeat`` runs, and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def error_set(findings: list[tuple[str, str, str]]) -> set[tuple[str, str]]:
    return {
        (rule, path)
        for rule, path, severity in findings
        if severity == "error" and rule not in NOT_COMPARED
    }


def find_spectral(given: str | None) -> str:
    candidate = given or os.environ.get("SPECTRAL") or shutil.which("spectral")
    if not candidate or not Path(candidate).exists():
        sys.exit(
            "Spectral not found: pass --spectral PATH (npm install @stoplight/spectral-cli@6.16.3)"
        )
    return candidate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--spectral", help="path of the spectral executable")
    parser.add_argument("--resources", type=int, default=100, help="resources (6 operations each)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    args = parser.parse_args(argv)
    spectral = find_spectral(args.spectral)
    ruleset = str(official_ruleset_path())

    with tempfile.TemporaryDirectory() as tmp:
        spec_file = Path(tmp) / "openapi.yaml"
        document = build_spec(args.resources)
        spec_file.write_text(
            yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8"
        )
        operations = sum(
            1 for item in document["paths"].values() for key in item if key != "parameters"
        )
        print(
            f"spec: {operations} operations, {len(document['components']['schemas'])} schemas, "
            f"{spec_file.stat().st_size // 1024} KiB YAML"
        )

        def ours_full() -> list[tuple[str, str, str]]:
            spec = load_spec(spec_file, require_openapi=False)
            return [(f.rule, f.path, f.severity.value) for f in lint_spec(spec)]

        spec = load_spec(spec_file, require_openapi=False)
        t_load_lint, ours = timed(ours_full, args.repeat)
        t_lint, _ = timed(lambda: lint_spec(spec), args.repeat)

        def ours_cli() -> list[tuple[str, str, str]]:
            run = subprocess.run(
                [sys.executable, "-m", "conformance", "lint", "--format", "json", str(spec_file)],
                capture_output=True,
                text=True,
                check=False,
            )
            return [(f["rule"], f["path"], f["severity"]) for f in json.loads(run.stdout)]

        t_cli, ours_via_cli = timed(ours_cli, args.repeat)

        def theirs() -> list[tuple[str, str, str]]:
            run = subprocess.run(
                [spectral, "lint", "-r", ruleset, "-f", "json", "-q", str(spec_file)],
                capture_output=True,
                text=True,
                check=False,
            )
            return [
                (r["code"], format_path(r["path"]), SEVERITY[r["severity"]])
                for r in json.loads(run.stdout or "[]")
            ]

        t_spectral, spectral_findings = timed(theirs, args.repeat)

    ours_errors, cli_errors, spectral_errors = (
        error_set(ours),
        error_set(ours_via_cli),
        error_set(spectral_findings),
    )
    print(f"error findings compared: ours {len(ours_errors)}, spectral {len(spectral_errors)}")
    same = ours_errors == spectral_errors == cli_errors
    for label, difference in [
        ("only spectral", spectral_errors - ours_errors),
        ("only ours", ours_errors - spectral_errors),
    ]:
        for rule, path in sorted(difference):
            print(f"  {label}: {rule} {path}")
    print(f"{'ours, in-process load+lint':<34}{t_load_lint:8.3f} s")
    print(f"{'ours, in-process lint only':<34}{t_lint:8.3f} s")
    print(f"{'ours, CLI subprocess':<34}{t_cli:8.3f} s")
    print(f"{'spectral + official ruleset':<34}{t_spectral:8.3f} s")
    print(f"speed-up (spectral / ours in-process load+lint): {t_spectral / t_load_lint:5.1f}x")
    print(f"speed-up (spectral / ours CLI):                  {t_spectral / t_cli:5.1f}x")
    print("same error findings" if same else "ERROR FINDINGS DIFFER")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
