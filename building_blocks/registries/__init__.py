"""The reference registries building block: a BRP-style person register.

``create_app(settings)`` is what ``gdi-conformance serve registries`` runs (see
``building_blocks.common.registry``). Seed persons come from ``<seed_dir>/persons.yaml`` the
first time a data directory is used.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from building_blocks.common import BlockApp, Settings, TokenVerifier
from building_blocks.common import create_app as _create_app
from building_blocks.registries.api import Register, build_router
from building_blocks.registries.schema import RequestSchemas
from building_blocks.registries.store import open_register
from conformance.paths import specs_root

AUDIENCE = "urn:nld:gdi:registries"


def spec_path() -> Path:
    return specs_root() / "registries" / "v1" / "openapi.yaml"


def create_app(settings: Settings) -> BlockApp:
    verifier = TokenVerifier.from_settings(settings, audience=AUDIENCE)
    db = open_register(settings.data_dir, settings.seed_dir / "persons.yaml")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        db.close()

    # The router needs the spec's schemas, which the app factory loads; build it with a
    # placeholder and fill it in once the spec is known, so the spec is read once.
    register = Register(db, RequestSchemas({"components": {"schemas": {}}}), settings.base_url)
    app = _create_app(
        block="registries",
        spec_path=spec_path(),
        routers=[build_router(register, verifier)],
        lifespan=lifespan,
        state={"register": register, "verifier": verifier},
    )
    register.schemas = RequestSchemas(app.spec.document)
    return app


__all__ = ["AUDIENCE", "create_app", "spec_path"]
