"""Reading client registrations: the seed file loads, broken files say what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from building_blocks.identity.bsn import is_valid_bsn
from building_blocks.identity.clients import ClientConfigError, load_clients
from conformance.paths import seed_root

SEED = seed_root() / "identity"


def test_seed_clients_load() -> None:
    registry = load_clients(SEED / "clients.yaml")
    organisation = registry.get("gemeente-utrecht")
    assert organisation is not None and organisation.oin == "00000001001234567000"
    assert organisation.grant_type == "client_credentials"
    portal = registry.get("burger-portaal")
    assert portal is not None and portal.bsn_allowed and portal.redirect_uris
    assert registry.get("harness-tweede-org") is not None
    assert registry.get("onbekend") is None


def write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "keys").mkdir(exist_ok=True)
    public_key = (SEED / "keys" / "buurt-app.pub.pem").read_bytes()
    (tmp_path / "keys" / "a.pub.pem").write_bytes(public_key)
    path = tmp_path / "clients.yaml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD = """
clients:
  - client_id: a
    kind: organisation
    oin: "00000001001234567000"
    scopes: [messaging:send]
    public_keys: [keys/a.pub.pem]
"""


def test_a_minimal_file_loads(tmp_path: Path) -> None:
    assert len(load_clients(write(tmp_path, GOOD))) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("kind: organisation", "kind: robot"), "kind must be one of"),
        (('oin: "00000001001234567000"', "oin: 123"), "oin of 20 digits"),
        (("[messaging:send]", "[alles]"), "scopes must be"),
        (("keys/a.pub.pem", "keys/ontbreekt.pem"), "cannot read public key"),
        (("kind: organisation", "kind: organisation\n    grant_type: x"), "uses grant_type"),
        (("client_id: a", "client_id: ''"), "client_id must be"),
        (("kind: organisation", "kind: citizen-portal"), "needs redirect_uris"),
    ],
)
def test_broken_registrations_are_named(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ClientConfigError, match=message) as raised:
        load_clients(path)
    assert "clients[0]" in str(raised.value)


def test_duplicate_client_is_refused(tmp_path: Path) -> None:
    body = GOOD + GOOD.split("clients:\n", 1)[1]
    with pytest.raises(ClientConfigError, match="registered twice"):
        load_clients(write(tmp_path, body))


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ClientConfigError, match="cannot read"):
        load_clients(tmp_path / "missing.yaml")
    with pytest.raises(ClientConfigError, match="'clients' list"):
        load_clients(write(tmp_path, "- 1\n"))


@pytest.mark.parametrize("bsn", ["999993653", "111222333", "123456782"])
def test_valid_bsns(bsn: str) -> None:
    assert is_valid_bsn(bsn)


@pytest.mark.parametrize(
    "bsn", ["123456789", "000000000", "99999365", "99999365a", "\uff19" * 9, "9999936530"]
)
def test_invalid_bsns(bsn: str) -> None:
    assert not is_valid_bsn(bsn)
