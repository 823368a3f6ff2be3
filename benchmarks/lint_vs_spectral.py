"""Benchmark: our ADR linter against Spectral with the official ADR ruleset, on a corpus of specs.

The corpus is generated (deterministically) in three size classes of varied shape:

* small: a clean CRUD spec, one with violations (JSON), one with a broken $ref and unquoted
  status codes, one with ref-siblings and unexpected properties (a few operations each);
* medium: specs of 60-120 operations with many $refs, allOf compositions, shared parameters,
  responses and examples;
* large: 600 operations with realistic schemas and a sprinkling of violations.

Each spec is linted by both tools as a user runs them, in the same run and in several
interleaved rounds (the order of the two tools alternates per round):
``gdi-conformance lint --format json --no-extras`` and
``spectral lint -r conformance/lint/data/linter.yaml -f json``. Per spec the median wall time of
each tool is taken (and the CPU time of the child process, which the neighbours on a shared
machine disturb less); per size class the median of the specs' ratios is printed. The finding
sets, (rule, JSON path, severity) at every severity, must be identical. Both run once untimed
first; ours runs with its bytecode cached, as after ``pip install``.

    python benchmarks/lint_vs_spectral.py --spectral node_modules/.bin/spectral --rounds 3

Spectral is found with ``--spectral``, else the SPECTRAL environment variable, else ``spectral``
on PATH. This is a measurement, not a test: it exits 1 only when the findings differ.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from conformance.lint.official import official_ruleset_path
from conformance.spec import format_path

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


CONTACT = {"name": "Beheer", "url": "https://example.org", "email": "beheer@example.org"}
VERSION_HEADER = {"API-Version": {"$ref": "#/components/headers/ApiVersion"}}


def build_small(variant: str) -> dict[str, Any]:
    """A few operations; each variant exercises other rules (and the lint cases' causes)."""
    doc = build_spec(1, seed=7)
    doc["info"]["version"] = "1.0.0"
    doc["paths"]["/dossiers-0"] = doc["paths"].pop("/dossiers0Items")
    del doc["components"]["schemas"]["Adres"]["properties"]["tijdVanBezorging"]
    if variant == "clean":
        return doc
    if variant == "violations":
        doc["info"]["version"] = "1.0"
        doc["servers"] = [{"url": "http://api.example.org/dossiers"}]
        doc["paths"]["/dossierLijst"] = doc["paths"].pop("/dossiers-0")
        return doc
    if variant == "broken-refs":
        schemas = doc["components"]["schemas"]
        schemas["dossier0"] = schemas.pop("Dossier0")  # every $ref to Dossier0 breaks
        return doc
    if variant == "siblings":
        props = doc["components"]["schemas"]["Dossier0"]["properties"]
        props["eindDatum"] = {"$ref": "#/components/schemas/Datum", "description": "einde"}
        props["beginDatum"] = {"$ref": "#/components/schemas/Datum", "description": "begin"}
        doc["components"]["schemas"]["Datum"] = {"type": "string"}
        doc["basePath"] = "/x"  # unexpected property
        doc["info"]["foo"] = 1
        return doc
    raise ValueError(variant)


def build_medium(resources: int, seed: int) -> dict[str, Any]:
    """Many $refs and allOf: every resource is Base + its own part, lists wrap items by $ref,
    parameters and responses are shared components."""
    rng = random.Random(seed)
    doc = build_spec(resources, seed=seed)
    doc["info"]["version"] = "2.1.0"
    schemas = doc["components"]["schemas"]
    schemas["Basis"] = {
        "type": "object",
        "required": ["id"],
        "properties": {
            "id": {"type": "string", "format": "uuid", "readOnly": True},
            "aangemaaktOp": {"type": "string", "format": "date-time", "readOnly": True},
            "gewijzigdOp": {"type": "string", "format": "date-time", "readOnly": True},
            "_links": {"$ref": "#/components/schemas/Links"},
        },
    }
    schemas["Links"] = {
        "type": "object",
        "properties": {"self": {"$ref": "#/components/schemas/Link"}},
    }
    for i in range(resources):
        own = schemas[f"Dossier{i}"]
        part = {key: value for key, value in own.items() if key != "example"}
        parents = [{"$ref": "#/components/schemas/Basis"}]
        if i > 0 and rng.random() < 0.5:
            parents.append({"$ref": f"#/components/schemas/Dossier{i - 1}Kern"})
        schemas[f"Dossier{i}Kern"] = part
        schemas[f"Dossier{i}"] = {
            "allOf": [*parents, {"$ref": f"#/components/schemas/Dossier{i}Kern"}],
            "example": own.get("example"),
        }
        schemas[f"Dossier{i}Samenvatting"] = {
            "allOf": [
                {"$ref": "#/components/schemas/Basis"},
                {"type": "object", "properties": {"naam": {"type": "string"}}},
            ]
        }
    return doc


@dataclass
class Spec:
    name: str
    size: str  # small / medium / large
    path: Path
    operations: int
    ours: list[float] = field(default_factory=list)  # wall seconds per round
    theirs: list[float] = field(default_factory=list)
    ours_cpu: list[float] = field(default_factory=list)
    theirs_cpu: list[float] = field(default_factory=list)
    findings: tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]] = (set(), set())


def corpus(folder: Path) -> list[Spec]:
    specs: list[tuple[str, str, dict[str, Any], str]] = [
        ("small-clean", "small", build_small("clean"), "yaml"),
        ("small-violations", "small", build_small("violations"), "json"),
        ("small-broken-refs", "small", build_small("broken-refs"), "yaml"),
        ("small-siblings", "small", build_small("siblings"), "yaml"),
        ("medium-60", "medium", build_medium(10, seed=1), "yaml"),
        ("medium-120", "medium", build_medium(20, seed=2), "json"),
        ("large-600", "large", build_spec(100), "yaml"),
    ]
    made = []
    for name, size, document, kind in specs:
        path = folder / name / f"openapi.{kind}"
        path.parent.mkdir()
        if kind == "json":
            path.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
        else:
            text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
            if name == "small-broken-refs":
                text = text.replace("'200':", "200:", 1)  # an unquoted status code
            path.write_text(text, encoding="utf-8")
        operations = sum(
            1 for item in document["paths"].values() for key in item if key != "parameters"
        )
        made.append(Spec(name, size, path, operations))
    return made


def run_child(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall and CPU seconds (user + system, the child and its threads) and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def ours_command(spec: Path) -> list[str]:
    return [sys.executable, "-m", "conformance", "lint", "--format", "json", "--no-extras",
            "--fail-severity", "never", str(spec)]  # fmt: skip


def theirs_command(spectral: str, spec: Path) -> list[str]:
    return [spectral, "lint", "-r", str(official_ruleset_path()), "-f", "json", "-q", str(spec)]


def our_findings(stdout: str) -> set[tuple[str, str, str]]:
    return {(f["rule"], f["path"], f["severity"]) for f in json.loads(stdout)}


def their_findings(stdout: str) -> set[tuple[str, str, str]]:
    return {
        (r["code"], format_path(r["path"]), SEVERITY[r["severity"]])
        for r in json.loads(stdout or "[]")
    }


def find_spectral(given: str | None) -> str:
    candidate = given or os.environ.get("SPECTRAL") or shutil.which("spectral")
    if not candidate or not Path(candidate).exists():
        sys.exit(
            "Spectral not found: pass --spectral PATH (npm install @stoplight/spectral-cli@6.16.3)"
        )
    return candidate


def installed_env(pycache: Path) -> dict[str, str]:
    """Our child's environment as after ``pip install``: Python bytecode cached (pip compiles
    it at install; PYTHONDONTWRITEBYTECODE, set on some machines, would make every run compile
    our sources again), kept in ``pycache`` so that the checkout stays clean."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def measure(specs: list[Spec], spectral: str, rounds: int, env: dict[str, str]) -> None:
    for spec in specs:  # warm-up, not timed: bytecode written, files in the page cache
        run_child(ours_command(spec.path), env)
        run_child(theirs_command(spectral, spec.path))
    order = list(specs)
    for number in range(rounds):
        random.Random(number).shuffle(order)
        for spec in order:
            runs = [
                ("ours", ours_command(spec.path)),
                ("theirs", theirs_command(spectral, spec.path)),
            ]
            if number % 2:
                runs.reverse()
            for who, command in runs:
                wall, cpu, stdout = run_child(command, env if who == "ours" else None)
                if who == "ours":
                    spec.ours.append(wall)
                    spec.ours_cpu.append(cpu)
                    found = our_findings(stdout)
                    spec.findings = (found, spec.findings[1])
                else:
                    spec.theirs.append(wall)
                    spec.theirs_cpu.append(cpu)
                    spec.findings = (spec.findings[0], their_findings(stdout))
        print(f"round {number + 1}/{rounds} done", file=sys.stderr)


def report(specs: list[Spec]) -> bool:
    same = True
    print(f"{'spec':<20}{'ops':>5}{'KiB':>7}{'ours s':>9}{'spectral s':>12}{'ratio':>8}"
          f"{'cpu ratio':>11}{'findings':>10}  same")  # fmt: skip
    by_size: dict[str, list[tuple[float, float]]] = {}
    for spec in specs:
        ours, theirs = statistics.median(spec.ours), statistics.median(spec.theirs)
        ours_cpu, theirs_cpu = statistics.median(spec.ours_cpu), statistics.median(spec.theirs_cpu)
        ratio, cpu_ratio = theirs / ours, theirs_cpu / ours_cpu
        mine, their = spec.findings
        equal = mine == their
        same &= equal
        by_size.setdefault(spec.size, []).append((ratio, cpu_ratio))
        print(f"{spec.name:<20}{spec.operations:>5}{spec.path.stat().st_size // 1024:>7}"
              f"{ours:>9.2f}{theirs:>12.2f}{ratio:>7.1f}x{cpu_ratio:>10.1f}x{len(their):>10}  "
              f"{'yes' if equal else 'NO'}")  # fmt: skip
        for label, difference in (("only spectral", their - mine), ("only ours", mine - their)):
            for rule, path, severity in sorted(difference):
                print(f"    {label}: {rule} {path} {severity}")
    print()
    for size in ("small", "medium", "large"):
        ratios = by_size.get(size, [])
        if ratios:
            wall = statistics.median(r for r, _ in ratios)
            cpu = statistics.median(c for _, c in ratios)
            print(
                f"median ratio, {size:<7} wall {wall:5.1f}x   cpu {cpu:5.1f}x"
                f"   ({len(ratios)} specs)"
            )
    print("same findings on every spec" if same else "FINDINGS DIFFER")
    return same


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--spectral", help="path of the spectral executable")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--only", choices=("small", "medium", "large"), help="one size class")
    args = parser.parse_args(argv)
    spectral = find_spectral(args.spectral)
    with tempfile.TemporaryDirectory() as tmp:
        specs = [s for s in corpus(Path(tmp)) if args.only in (None, s.size)]
        measure(specs, spectral, args.rounds, installed_env(Path(tmp) / "pycache"))
        return 0 if report(specs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
