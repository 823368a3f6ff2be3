"""What the register tests share besides fixtures: the admin token, the vendor of the vendor
token, and ``Register``, the running register a test gets."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ADMIN_TOKEN = "admin-token-for-the-register-tests"
VENDOR = "Acme BV"


@dataclass
class Register:
    origin: str
    database_url: str
    authority: Ed25519PrivateKey
    vendor_token: str
    engine: object

    @property
    def api(self) -> str:
        return self.origin + "/api/v1"

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.origin, headers=headers, timeout=30)
