"""The identity building block: an NL GOV OAuth 2.0 / OpenID Connect provider.

``create_app(settings)`` is what ``gdi-conformance serve identity`` runs. On first start it
creates its signing key and pairwise secret in the data directory; clients come from
``clients.yaml`` in the seed directory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from building_blocks.common import BlockApp, Settings
from building_blocks.common import create_app as create_block_app
from building_blocks.identity.clients import load_clients
from building_blocks.identity.keys import load_or_create_pairwise_secret, load_or_create_signing_key
from building_blocks.identity.routes import router
from building_blocks.identity.service import IdentityService
from building_blocks.identity.store import IdentityStore
from building_blocks.identity.tokens import TokenIssuer
from conformance.paths import specs_root

__all__ = ["create_app"]


def create_app(settings: Settings) -> BlockApp:
    registry = load_clients(settings.seed_dir / "clients.yaml")
    key = load_or_create_signing_key(settings.data_dir)
    pairwise_secret = load_or_create_pairwise_secret(settings.data_dir)
    store = IdentityStore(settings.data_dir / "identity.sqlite3")
    issuer = f"{settings.base_url}/oidc"
    service = IdentityService(
        issuer=issuer,
        registry=registry,
        store=store,
        key=key,
        tokens=TokenIssuer(issuer=issuer, key=key, pairwise_secret=pairwise_secret, store=store),
        enable_test_login=settings.enable_test_login,
        data_dir=settings.data_dir,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    return create_block_app(
        block="identity",
        spec_path=specs_root() / "identity" / "v1" / "openapi.yaml",
        routers=[router],
        lifespan=lifespan,
        state={"identity": service},
    )
