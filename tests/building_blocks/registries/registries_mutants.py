"""Deliberately broken variants of the registries block, served under its name through
``GDI_REGISTRIES_FACTORY`` to show that a check which passes on the reference can fail."""

from __future__ import annotations

from typing import Any

from building_blocks.common import BlockApp, InvalidParam, Settings
from building_blocks.registries import create_app


class _AcceptEverything:
    """Stands in for the spec's request schemas and finds nothing wrong with any body."""

    def __init__(self, components: Any) -> None:
        self.components = components

    def errors(self, component: str, instance: object) -> list[InvalidParam]:
        return []


def create_app_without_validation(settings: Settings) -> BlockApp:
    """The register that trusts its input: unknown fields, bad postcodes and missing members
    reach the domain code (and crash it, or are accepted)."""
    app = create_app(settings)
    register = app.state.register
    register.schemas = _AcceptEverything(register.schemas.components)
    return app
