"""Run-time settings of one building block, set by the server (command line) or by tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from conformance.paths import seed_root

BLOCKS: tuple[str, ...] = ("identity", "messaging", "registries")


@dataclass(frozen=True, slots=True)
class Settings:
    """``data_dir`` belongs to this block alone (the server gives each block its own folder).

    ``public_url`` is the origin clients reach the block at (``http://127.0.0.1:8081``); the
    block's base URL is ``public_url + base path``. ``identity_url`` is where resource servers
    find the issuer of access tokens: any OpenID provider's issuer, or the identity block's base
    URL (``http://127.0.0.1:8080/identity/v1``, issuer at ``/oidc``). A resource server that
    meets opaque access tokens introspects them (RFC 7662) as its own client at that provider:
    ``introspection_client_id`` with the private key in ``introspection_key`` (private_key_jwt).
    """

    block: str
    data_dir: Path
    public_url: str = "http://127.0.0.1:8000"
    identity_url: str | None = None
    enable_test_login: bool = False
    seed_dir: Path = field(default=Path())
    introspection_client_id: str | None = None
    introspection_key: Path | None = None

    def __post_init__(self) -> None:
        if self.block not in BLOCKS:
            raise ValueError(f"unknown building block {self.block!r}; expected one of {BLOCKS}")
        if self.seed_dir == Path():
            object.__setattr__(self, "seed_dir", seed_root() / self.block)
        object.__setattr__(self, "public_url", self.public_url.rstrip("/"))
        if self.identity_url is not None:
            object.__setattr__(self, "identity_url", self.identity_url.rstrip("/"))

    @property
    def base_url(self) -> str:
        """This block's base URL, e.g. ``http://127.0.0.1:8081/messaging/v1``."""
        return f"{self.public_url}/{self.block}/v1"

    @property
    def identity_issuer(self) -> str | None:
        """The issuer of access tokens: the identity block's base URL + ``/oidc``."""
        return None if self.identity_url is None else f"{self.identity_url}/oidc"
