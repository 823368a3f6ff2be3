"""Helpers for the static checker's tests: a baseline spec every rule accepts, and linting."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from conformance.lint import Finding, lint_document

REPO = Path(__file__).resolve().parents[2]  # tests/support/ -> the repository root
TESTCASES = REPO / "fixtures" / "adr-testcases"

# An ADR 2.2 conformant spec: no finding of any rule, at any severity.
BASELINE: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Baseline",
        "version": "1.0.0",
        "contact": {"name": "Beheer", "url": "https://example.org", "email": "beheer@example.org"},
    },
    "servers": [{"url": "https://api.example.org/v1"}],
    "tags": [{"name": "dossiers"}],
    "paths": {
        "/dossiers": {
            "get": {
                "operationId": "listDossiers",
                "tags": ["dossiers"],
                "parameters": [
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                    {"name": "pageSize", "in": "query", "schema": {"type": "integer"}},
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "headers": {"API-Version": {"$ref": "#/components/headers/ApiVersion"}},
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Dossier"},
                                "example": {"naam": "x", "ingangsDatum": "2024-01-01"},
                            }
                        },
                    },
                    "400": {"$ref": "#/components/responses/Problem"},
                },
            },
            "post": {
                "operationId": "createDossier",
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Dossier"}}
                    }
                },
                "responses": {
                    "201": {
                        "description": "created",
                        "headers": {"API-Version": {"$ref": "#/components/headers/ApiVersion"}},
                    },
                    "400": {"$ref": "#/components/responses/Problem"},
                },
            },
        },
        "/dossiers/{id}": {
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "delete": {
                "operationId": "deleteDossier",
                "responses": {
                    "204": {
                        "description": "gone",
                        "headers": {"API-Version": {"$ref": "#/components/headers/ApiVersion"}},
                    },
                    "404": {"$ref": "#/components/responses/Problem"},
                },
            },
        },
    },
    "components": {
        "headers": {"ApiVersion": {"schema": {"type": "string"}, "example": "1.0.0"}},
        "responses": {
            "Problem": {
                "description": "problem",
                "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
            }
        },
        "schemas": {
            "Problem": {
                "type": "object",
                "properties": {
                    "status": {"type": "integer"},
                    "title": {"type": "string"},
                    "detail": {"type": "string"},
                },
            },
            "Dossier": {
                "type": "object",
                "required": ["naam"],
                "properties": {
                    "naam": {"type": "string", "example": "Dossier"},
                    "ingangsDatum": {"type": "string", "format": "date"},
                    "aangemaaktOp": {"type": "string", "format": "date-time", "readOnly": True},
                    "_links": {"type": "object", "properties": {"self": {"type": "string"}}},
                },
            },
        },
    },
}


def baseline() -> dict[str, Any]:
    return copy.deepcopy(BASELINE)


def lint(document: Any, adr_version: str = "2.2", *, extras: bool = True) -> list[Finding]:
    return lint_document(document, adr_version=adr_version, extras=extras)


def keys(findings: list[Finding]) -> set[tuple[str, str, str]]:
    return {(f.rule, f.path, f.severity.value) for f in findings}
