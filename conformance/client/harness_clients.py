"""The harness's test clients at an identity provider under test.

The identity checks act as four clients that every GDI test environment registers, with the
TEST keys shipped in the seed data (``identity/clients.yaml`` and ``identity/keys/``):

- ``organisation`` (gemeente-utrecht) and ``second_organisation`` (harness-tweede-org):
  client_credentials, each with its OIN;
- ``portal`` (burger-portaal): authorization_code + PKCE, registered as allowed to see a BSN;
- ``portal_without_bsn`` (buurt-app): authorization_code + PKCE, not allowed to see a BSN.

Only what a client would know about its own registration is read here (id, key, grant type,
scopes, redirect URI, OIN, BSN permission): nothing of how any provider implements it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from conformance.paths import seed_root
from conformance.spec.vendor import BlockConfig, VendorConfig

ORGANISATION = "gemeente-utrecht"
SECOND_ORGANISATION = "harness-tweede-org"
PORTAL = "burger-portaal"
PORTAL_WITHOUT_BSN = "buurt-app"


class TestClientsError(Exception):
    """The registration file of the test clients is unusable; the message says why."""


@dataclass(frozen=True, slots=True)
class TestClient:
    client_id: str
    key_path: Path
    grant_type: str
    scopes: tuple[str, ...]
    redirect_uri: str | None = None
    oin: str | None = None
    bsn_allowed: bool = False


@dataclass(frozen=True, slots=True)
class TestClients:
    organisation: TestClient
    second_organisation: TestClient
    portal: TestClient
    portal_without_bsn: TestClient


def _client(entry: dict[str, Any], keys_dir: Path) -> TestClient:
    client_id = str(entry["client_id"])
    uris = entry.get("redirect_uris") or ()
    grant = entry.get("grant_type") or (
        "client_credentials" if entry.get("kind") == "organisation" else "authorization_code"
    )
    return TestClient(
        client_id=client_id,
        key_path=keys_dir / f"{client_id}.key.pem",
        grant_type=str(grant),
        scopes=tuple(str(scope) for scope in entry.get("scopes") or ()),
        redirect_uri=str(uris[0]) if uris else None,
        oin=str(entry["oin"]) if entry.get("oin") else None,
        bsn_allowed=bool(entry.get("bsn_allowed", False)),
    )


ROLE_OF = {
    "organisation": ORGANISATION,
    "second-organisation": SECOND_ORGANISATION,
    "portal": PORTAL,
    "portal-without-bsn": PORTAL_WITHOUT_BSN,
}


def clients_from_config(block: BlockConfig, source: str) -> TestClients:
    """The four test clients as the vendor file's identity block gives them."""
    missing = [role for role in ROLE_OF if block.client(role) is None]
    if missing:
        raise TestClientsError(
            f"{source}: identity.clients has no client with role {', '.join(missing)}; the "
            "identity checks act as all four"
        )
    clients = []
    for role in ROLE_OF:
        entry = block.client(role)
        assert entry is not None
        clients.append(
            TestClient(
                client_id=entry.client_id,
                key_path=entry.key_path,
                grant_type=entry.grant_types[0],
                scopes=entry.scopes,
                redirect_uri=entry.redirect_uris[0] if entry.redirect_uris else None,
                oin=entry.oin,
                bsn_allowed=entry.bsn_allowed,
            )
        )
    return TestClients(*clients)


def test_clients_for(vendor: VendorConfig | None) -> TestClients:
    """The vendor file's test clients when it describes them, else the seed data's."""
    block = vendor.block("identity") if vendor is not None else None
    if vendor is None or block is None or not block.clients:
        return load_test_clients()
    return clients_from_config(block, str(vendor.path))


def load_test_clients(directory: Path | None = None) -> TestClients:
    """The four test clients from ``<directory>/clients.yaml`` (default: the seed data)."""
    directory = directory or seed_root() / "identity"
    path = directory / "clients.yaml"
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TestClientsError(f"cannot read the test clients in {path}: {exc}") from exc
    entries = document.get("clients") if isinstance(document, dict) else None
    found = {
        str(entry.get("client_id")): entry
        for entry in entries or ()
        if isinstance(entry, dict) and entry.get("client_id")
    }
    wanted = (ORGANISATION, SECOND_ORGANISATION, PORTAL, PORTAL_WITHOUT_BSN)
    missing = [name for name in wanted if name not in found]
    if missing:
        raise TestClientsError(f"{path} does not register the test client(s) {', '.join(missing)}")
    keys_dir = directory / "keys"
    clients = [_client(found[name], keys_dir) for name in wanted]
    return TestClients(*clients)
