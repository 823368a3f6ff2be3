"""The register's own OpenAPI document (openapi.yaml beside this file)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

API_BASE = "/api/v1"


@cache
def openapi_document() -> dict[str, Any]:
    text = resources.files("conformance.register").joinpath("openapi.yaml").read_text("utf-8")
    document: dict[str, Any] = yaml.safe_load(text)
    return document


def api_version() -> str:
    return str(openapi_document()["info"]["version"])
