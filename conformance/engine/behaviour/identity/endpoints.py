"""Put the identity spec's operations where the provider under test says its endpoints are.

An OpenID provider is found from its issuer: ``<issuer>/.well-known/openid-configuration``
names the authorization, token, introspection, revocation and userinfo endpoints and the
``jwks_uri``, wherever the product puts them (oidc-provider at ``/token``, Keycloak at
``/realms/x/protocol/openid-connect/token``). The catalogue spec writes them at fixed paths
(``/oidc/token``); before a run, ``map_onto_provider`` moves each of those path items to the
path the discovery document gives, relative to the run's base URL, so that fuzzing, the ADR
probes and the identity checks all talk to the endpoints the provider actually has.

The base URL is the issuer; for a GDI identity block laid out as the catalogue spec describes,
it may also be the block's base URL (whose issuer is ``<base>/oidc``): then every path maps
onto itself. An endpoint that does not lie under the base URL keeps the spec's path (the run
will show that nothing answers there); without a discovery document nothing is moved and the
identity checks report why.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any
from urllib.parse import urlsplit

from conformance.httplimits import HttpClient
from conformance.spec.loader import LoadedSpec

WELL_KNOWN = "/.well-known/openid-configuration"
# A discovery document is a few KB; a MB leaves room for any real one.
METADATA_BYTES = 1024 * 1024
# Operation ids of the identity catalogue spec and the metadata member that locates each.
ENDPOINT_OF_OPERATION = {
    "getJwks": "jwks_uri",
    "authorize": "authorization_endpoint",
    "token": "token_endpoint",
    "introspect": "introspection_endpoint",
    "revoke": "revocation_endpoint",
    "getUserinfo": "userinfo_endpoint",
}
DISCOVERY_OPERATION = "getOpenidConfiguration"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _operation_ids(item: Any) -> set[str]:
    if not isinstance(item, dict):
        return set()
    return {
        str(operation.get("operationId"))
        for method, operation in item.items()
        if method in METHODS and isinstance(operation, dict)
    }


def _discovery_path(document: dict[str, Any]) -> str | None:
    for path, item in (document.get("paths") or {}).items():
        if DISCOVERY_OPERATION in _operation_ids(item):
            return str(path)
    return None


def fetch_metadata(
    base_url: str, spec_discovery_path: str | None, *, timeout: float = 10.0
) -> tuple[str, dict[str, Any]] | None:
    """(issuer URL the document was found under, metadata), or None when none answers."""
    base = base_url.rstrip("/")
    candidates = [base]
    if spec_discovery_path and spec_discovery_path.endswith(WELL_KNOWN):
        candidates.append(base + spec_discovery_path[: -len(WELL_KNOWN)])
    # The run's own client: the target reached directly, every answer bounded in size, time
    # and depth (this request comes before the run proper, but within its budget).
    with HttpClient(timeout=timeout, max_response_bytes=METADATA_BYTES) as http:
        for issuer in dict.fromkeys(candidates):
            exchange = http.send("GET", issuer + WELL_KNOWN, headers={"Accept": "application/json"})
            response = exchange.response
            if response is None or response.status != 200 or response.truncated:
                continue
            try:
                document = json.loads(response.body)
            except ValueError:
                continue
            if isinstance(document, dict):
                return issuer, document
    return None


def _relative(url: Any, base_url: str) -> str | None:
    """The path of ``url`` below ``base_url`` ('/token'), or None when it is not below it."""
    if not isinstance(url, str):
        return None
    target, base = urlsplit(url), urlsplit(base_url.rstrip("/"))
    if (target.scheme, target.netloc) != (base.scheme, base.netloc) or target.query:
        return None
    prefix = base.path.rstrip("/")
    if prefix and not (target.path == prefix or target.path.startswith(prefix + "/")):
        return None
    relative = target.path[len(prefix) :]
    return relative if relative.startswith("/") else None


def endpoint_paths(
    document: dict[str, Any], base_url: str, issuer: str, metadata: dict[str, Any]
) -> dict[str, str]:
    """Spec path -> the provider's path for it (only the paths that move)."""
    moves: dict[str, str] = {}
    for path, item in (document.get("paths") or {}).items():
        ids = _operation_ids(item)
        target: str | None = None
        if DISCOVERY_OPERATION in ids:
            target = _relative(issuer + WELL_KNOWN, base_url)
        else:
            for operation_id, member in ENDPOINT_OF_OPERATION.items():
                if operation_id in ids:
                    target = _relative(metadata.get(member), base_url)
                    break
        if target is not None and target != path:
            moves[str(path)] = target
    taken = set(document.get("paths") or {}) - set(moves)
    unique: dict[str, str] = {}
    for source, target in moves.items():
        if target not in taken:  # two operations on one endpoint: keep the spec's layout
            unique[source] = target
            taken.add(target)
    return unique


def map_onto_provider(spec: LoadedSpec, base_url: str, *, timeout: float = 10.0) -> LoadedSpec:
    """``spec`` with its identity endpoints at the provider's discovered paths (see above)."""
    document = spec.bundled
    discovery_path = _discovery_path(document)
    if discovery_path is None:
        return spec
    found = fetch_metadata(base_url, discovery_path, timeout=timeout)
    if found is None:
        return spec
    moves = endpoint_paths(document, base_url, *found)
    if not moves:
        return spec
    bundled = copy.copy(document)
    bundled["paths"] = {
        moves.get(path, path): item for path, item in (document.get("paths") or {}).items()
    }
    return dataclasses.replace(spec, bundled=bundled)
