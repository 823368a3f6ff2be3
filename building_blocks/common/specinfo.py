"""What the app factory needs from a block's OpenAPI document: version, base path, JSON bytes.

The reference implementations do not lean on the harness's spec loader (see ARCHITECTURE.md),
so this reads the single-file spec itself. A spec served at ``<base>/openapi.json`` must stand
alone, which is why references to other files are refused here rather than served broken.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml


class SpecError(ValueError):
    """The block's spec cannot be served: what is wrong and in which file."""


@dataclass(frozen=True, slots=True)
class SpecInfo:
    path: Path
    document: dict[str, Any]
    version: str  # info.version, sent as the API-Version header
    base_path: str  # path of servers[0].url, e.g. "/messaging/v1"
    json_bytes: bytes  # the document as served at <base>/openapi.json


def _json_default(value: object) -> str:
    # YAML turns unquoted dates into date objects; JSON has only strings for them.
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _external_ref(node: object) -> str | None:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                return ref
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def load_spec_info(spec_path: Path, *, block: str) -> SpecInfo:
    try:
        text = spec_path.read_text(encoding="utf-8")
        document = yaml.safe_load(text)  # JSON is YAML too
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(f"{spec_path}: cannot read the spec: {exc}") from exc
    if not isinstance(document, dict):
        raise SpecError(f"{spec_path}: the spec is not a mapping")
    version = str((document.get("info") or {}).get("version") or "")
    if not version:
        raise SpecError(f"{spec_path}: info.version is missing")
    servers = document.get("servers") or []
    if not servers or not isinstance(servers[0], dict) or "url" not in servers[0]:
        raise SpecError(f"{spec_path}: servers[0].url is missing")
    base_path = urlsplit(str(servers[0]["url"])).path.rstrip("/")
    major = version.split(".", 1)[0]
    if not base_path.endswith(f"/{block}/v{major}"):
        raise SpecError(
            f"{spec_path}: servers[0].url path {base_path!r} must end in /{block}/v{major}"
        )
    ref = _external_ref(document)
    if ref is not None:
        raise SpecError(f"{spec_path}: $ref {ref!r} points outside the file; keep the spec whole")
    json_bytes = json.dumps(document, ensure_ascii=False, default=_json_default).encode("utf-8")
    return SpecInfo(spec_path, document, version, base_path, json_bytes)
