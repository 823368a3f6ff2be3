"""The vendor file: one YAML file that describes a vendor's test set-up for every block.

``gdi-conformance.yaml`` in the working directory, or the file ``--config FILE`` names, says per
block where the implementation runs (for identity: the issuer, from whose discovery document
everything else is found), and for identity the test clients the harness acts as (with their
key files, grant types, redirect URIs and scopes), the test users (citizens with their BSN and
their login fields, organisations with OIN and KvK number), how a citizen logs in (the login
driver and its steps), the restart command the durability checks need, and waivers. The
harness's own reference set-up is such a file too (``fixtures/seed/gdi-conformance.yaml``).

The file is validated against ``vendor.schema.json``; every error names the file, line and
column (``VendorConfigError``, a ``SpecLoadError``: the command line exits 2). Key paths are
relative to the file. ``gdi-conformance init --bb identity`` writes a commented example
(``EXAMPLE``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from conformance.paths import seed_root
from conformance.spec.documents import load_document
from conformance.spec.errors import SpecLoadError
from conformance.spec.pointer import format_path

DEFAULT_NAME = "gdi-conformance.yaml"
ROLES = ("organisation", "second-organisation", "portal", "portal-without-bsn")


class VendorConfigError(SpecLoadError):
    """The vendor file is unusable; the message says what, and where (file:line:column)."""


@dataclass(frozen=True, slots=True)
class ClientConfig:
    client_id: str
    role: str
    key_path: Path
    grant_types: tuple[str, ...]
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    oin: str | None = None
    bsn_allowed: bool = False


@dataclass(frozen=True, slots=True)
class LoginConfig:
    driver: str  # test-login, form, browser, module:callable or an entry point name
    settings: Mapping[str, Any] = field(default_factory=dict)  # steps, max_hops, timeout


@dataclass(frozen=True, slots=True)
class Citizen:
    bsn: str
    fields: Mapping[str, str] = field(default_factory=dict)  # login fields ({name} in steps)


@dataclass(frozen=True, slots=True)
class Organisation:
    oin: str
    kvk: str | None = None
    client: str | None = None


@dataclass(frozen=True, slots=True)
class BlockConfig:
    name: str
    base_url: str | None = None  # identity: the issuer
    clients: tuple[ClientConfig, ...] = ()
    login: LoginConfig | None = None
    citizens: tuple[Citizen, ...] = ()
    organisations: tuple[Organisation, ...] = ()
    restart: str | None = None
    waivers: tuple[Mapping[str, Any], ...] = ()  # as in a waivers file (conformance.reports)

    def client(self, role: str) -> ClientConfig | None:
        return next((item for item in self.clients if item.role == role), None)


@dataclass(frozen=True, slots=True)
class VendorConfig:
    path: Path
    blocks: Mapping[str, BlockConfig]

    def block(self, name: str) -> BlockConfig | None:
        return self.blocks.get(name)


@cache
def _validator() -> Draft202012Validator:
    text = files("conformance.spec").joinpath("vendor.schema.json").read_text(encoding="utf-8")
    return Draft202012Validator(json.loads(text))


def _describe(error: ValidationError) -> str:
    if error.validator == "pattern":
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        expected = schema.get("description") or f"pattern {error.validator_value}"
        return f"{error.instance!r} is not {expected}"
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties", "unknown fields")
    return str(error.message)


def _client(item: Mapping[str, Any], folder: Path) -> ClientConfig:
    grants = item.get("grant_types") or (
        ["client_credentials"] if "organisation" in item["role"] else ["authorization_code"]
    )
    return ClientConfig(
        client_id=str(item["client_id"]),
        role=str(item["role"]),
        key_path=(folder / str(item["key"])).resolve(),
        grant_types=tuple(grants),
        redirect_uris=tuple(item.get("redirect_uris") or ()),
        scopes=tuple(item.get("scopes") or ()),
        oin=item.get("oin"),
        bsn_allowed=bool(item.get("bsn_allowed", False)),
    )


def _block(name: str, data: Mapping[str, Any], folder: Path) -> BlockConfig:
    login = data.get("login")
    users = data.get("users") or {}
    return BlockConfig(
        name=name,
        base_url=(data.get("issuer") or data.get("base_url") or None),
        clients=tuple(_client(item, folder) for item in data.get("clients") or ()),
        login=LoginConfig(str(login["driver"]), {k: v for k, v in login.items() if k != "driver"})
        if login
        else None,
        citizens=tuple(
            Citizen(str(item["bsn"]), {k: str(v) for k, v in item.items() if k != "bsn"})
            for item in users.get("citizens") or ()
        ),
        organisations=tuple(
            Organisation(str(item["oin"]), item.get("kvk"), item.get("client"))
            for item in users.get("organisations") or ()
        ),
        restart=data.get("restart"),
        waivers=tuple(data.get("waivers") or ()),
    )


def load_vendor_config(path: str | Path) -> VendorConfig:
    """Read and validate a vendor file; ``VendorConfigError`` (file:line) when it is unusable."""
    path = Path(path)
    try:
        data, positions = load_document(path)
    except SpecLoadError as exc:
        raise VendorConfigError(
            exc.message, file=exc.file, line=exc.line, column=exc.column
        ) from None
    error = best_match(_validator().iter_errors(data))
    if error is not None:
        pointer = tuple(error.absolute_path)
        location = positions.locate(pointer)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = error.schema.get("properties") or {}
            unknown = sorted(str(key) for key in error.instance if key not in known)
            if unknown:  # point at the unknown field itself
                pointer = (*pointer, unknown[0])
                location = positions.locate_key(pointer)
        raise VendorConfigError.at(
            f"vendor file is invalid: {_describe(error)}",
            location,
            format_path(pointer) or None,
        )
    assert isinstance(data, dict)  # the schema demands an object
    folder = path.resolve().parent
    blocks = {name: _block(name, value or {}, folder) for name, value in data.items()}
    identity = data.get("identity") or {}
    for index, item in enumerate(identity.get("clients") or ()):
        pointer = ("identity", "clients", index, "key")
        key = (folder / str(item["key"])).resolve()
        if not key.is_file():
            raise VendorConfigError.at(
                f"vendor file: no key file {item['key']!r} (relative to the vendor file)",
                positions.locate(pointer),
                format_path(pointer),
            )
    seen: dict[str, int] = {}
    for index, item in enumerate(identity.get("clients") or ()):
        if item["role"] in seen:
            pointer = ("identity", "clients", index, "role")
            raise VendorConfigError.at(
                f"vendor file: two clients play the role {item['role']!r}",
                positions.locate(pointer),
                format_path(pointer),
            )
        seen[item["role"]] = index
    return VendorConfig(path=path, blocks=blocks)


def find_vendor_config(explicit: str | Path | None, cwd: Path | None = None) -> Path | None:
    """The vendor file to use: ``explicit`` (--config), else ./gdi-conformance.yaml if any."""
    if explicit is not None:
        return Path(explicit)
    candidate = (cwd or Path.cwd()) / DEFAULT_NAME
    return candidate if candidate.is_file() else None


def reference_config_path() -> Path:
    """The harness's own set-up: the vendor file of the reference building blocks."""
    return seed_root() / DEFAULT_NAME


EXAMPLE = """\
# gdi-conformance.yaml: how the harness reaches your implementation and acts as your test
# clients and test users. Paths are relative to this file. Validate it with any command that
# reads it (run, certify, interop, token): errors name the line.
identity:
  # The issuer: everything else is found in <issuer>/.well-known/openid-configuration.
  issuer: https://idp.example.nl
  # The four test clients the identity checks act as, registered at your provider with
  # private_key_jwt (the public halves of these keys). Roles: organisation and
  # second-organisation (client_credentials, with their OIN), portal (authorization_code +
  # PKCE, allowed to see the BSN) and portal-without-bsn (not allowed to see it).
  clients:
    - client_id: gemeente-utrecht
      role: organisation
      key: keys/gemeente-utrecht.key.pem
      grant_types: [client_credentials]
      scopes: [messaging:send, messaging:subscribe, registries:read, registries:declare]
      oin: "00000001001234567000"
    - client_id: harness-tweede-org
      role: second-organisation
      key: keys/harness-tweede-org.key.pem
      grant_types: [client_credentials]
      scopes: [messaging:send, messaging:subscribe, registries:read, registries:declare]
      oin: "00000001003214345000"
    - client_id: burger-portaal
      role: portal
      key: keys/burger-portaal.key.pem
      grant_types: [authorization_code]
      redirect_uris: [https://burger-portaal.example/callback]
      scopes: [openid, messaging:read, registries:read]
      bsn_allowed: true
    - client_id: buurt-app
      role: portal-without-bsn
      key: keys/buurt-app.key.pem
      grant_types: [authorization_code]
      redirect_uris: [https://buurt-app.example/callback]
      scopes: [openid, messaging:read]
      bsn_allowed: false
  # How a test citizen logs in. driver: test-login (the BSN in login_hint), form (the steps
  # below, without JavaScript), browser (the same steps in headless chromium), or
  # module:callable. Each step applies to the page whose URL matches `match`: it fills
  # `fields` into the page's form and submits it; {bsn} and any field of the citizen below
  # are filled in. A step without fields submits the form as it is (a consent page).
  login:
    driver: form
    steps:
      - match: /login
        fields: {username: "{username}", password: "{password}"}
      - match: /consent
  # Test users known to your provider. Without citizens the harness uses synthetic BSNs.
  users:
    citizens:
      - {bsn: "999993653", username: anna, password: test-only-password}
    organisations:
      - {oin: "00000001001234567000", kvk: "30280353", client: gemeente-utrecht}
  # Waivers: known failures accepted until a date (shown as waived in every report).
  waivers: []
#  - requirement: GDI-IDN-024
#    reason: the product answers invalid_request instead of unauthorized_client; ticket 123
#    expires: 2026-12-31
"""
