"""The clients registered at the identity block, read from a YAML file.

Each client has exactly one grant type (NL GOV OAuth profile) and one or more public keys with
which it signs its client assertions (``private_key_jwt``); shared secrets do not exist here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from building_blocks.identity.scopes import KNOWN_SCOPES

PublicKey = RSAPublicKey | EllipticCurvePublicKey

ORGANISATION = "organisation"
CITIZEN_PORTAL = "citizen-portal"
_GRANT_OF_KIND = {ORGANISATION: "client_credentials", CITIZEN_PORTAL: "authorization_code"}
_OIN = re.compile(r"[0-9]{20}")
_CLIENT_ID = re.compile(r"[\x21-\x7E]{1,255}")


class ClientConfigError(ValueError):
    """The client registration file is unusable; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class Client:
    client_id: str
    name: str
    kind: str
    grant_type: str
    scopes: frozenset[str]
    public_keys: tuple[PublicKey, ...]
    redirect_uris: tuple[str, ...] = ()
    oin: str | None = None
    bsn_allowed: bool = False
    sector: str = ""

    @property
    def is_organisation(self) -> bool:
        return self.kind == ORGANISATION


class ClientRegistry:
    def __init__(self, clients: Sequence[Client]) -> None:
        self._clients = {client.client_id: client for client in clients}

    def get(self, client_id: str) -> Client | None:
        return self._clients.get(client_id)

    def __len__(self) -> int:
        return len(self._clients)


def load_clients(path: Path) -> ClientRegistry:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ClientConfigError(f"{path}: cannot read the client registrations: {exc}") from exc
    entries = document.get("clients") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ClientConfigError(f"{path}: expected a mapping with a 'clients' list")
    clients: list[Client] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"{path}: clients[{index}]"
        if not isinstance(entry, dict):
            raise ClientConfigError(f"{where}: expected a mapping")
        client = _client(entry, path.parent, where)
        if client.client_id in seen:
            raise ClientConfigError(f"{where}: client_id {client.client_id!r} is registered twice")
        seen.add(client.client_id)
        clients.append(client)
    return ClientRegistry(clients)


def _client(entry: Mapping[str, Any], base: Path, where: str) -> Client:
    client_id = str(entry.get("client_id") or "")
    if not _CLIENT_ID.fullmatch(client_id):
        raise ClientConfigError(f"{where}: client_id must be 1-255 visible ASCII characters")
    kind = entry.get("kind")
    if kind not in _GRANT_OF_KIND:
        raise ClientConfigError(f"{where}: kind must be one of {', '.join(_GRANT_OF_KIND)}")
    grant_type = entry.get("grant_type", _GRANT_OF_KIND[kind])
    if grant_type != _GRANT_OF_KIND[kind]:
        raise ClientConfigError(f"{where}: a {kind} client uses grant_type {_GRANT_OF_KIND[kind]}")
    scopes = frozenset(str(scope) for scope in entry.get("scopes") or ())
    unknown = sorted(scopes - KNOWN_SCOPES)
    if not scopes or unknown:
        raise ClientConfigError(
            f"{where}: scopes must be a non-empty list of {sorted(KNOWN_SCOPES)}"
        )
    oin = entry.get("oin")
    if kind == ORGANISATION and not (isinstance(oin, str) and _OIN.fullmatch(oin)):
        raise ClientConfigError(f"{where}: an organisation needs an oin of 20 digits (quoted)")
    redirect_uris = tuple(str(uri) for uri in entry.get("redirect_uris") or ())
    if kind == CITIZEN_PORTAL and not redirect_uris:
        raise ClientConfigError(f"{where}: a citizen-portal client needs redirect_uris")
    keys = tuple(_public_key(base / str(name), where) for name in entry.get("public_keys") or ())
    if not keys:
        raise ClientConfigError(f"{where}: public_keys lists no key file")
    return Client(
        client_id=client_id,
        name=str(entry.get("name") or client_id),
        kind=kind,
        grant_type=grant_type,
        scopes=scopes,
        public_keys=keys,
        redirect_uris=redirect_uris,
        oin=oin if kind == ORGANISATION else None,
        bsn_allowed=bool(entry.get("bsn_allowed", False)),
        sector=str(entry.get("sector") or client_id),
    )


def _public_key(path: Path, where: str) -> PublicKey:
    try:
        key = load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ClientConfigError(f"{where}: cannot read public key {path.name}: {exc}") from exc
    if not isinstance(key, RSAPublicKey | EllipticCurvePublicKey):
        raise ClientConfigError(f"{where}: {path.name} is not an RSA or EC public key")
    return key
