"""Which building blocks this installation can serve.

A block registers itself by being a package ``building_blocks.<block>`` whose ``__init__``
exposes ``create_app(settings: Settings) -> ASGI app``.

``GDI_<BLOCK>_FACTORY=module:callable`` (e.g. ``GDI_MESSAGING_FACTORY=my.mutant:create_app``)
serves another implementation under a block's name instead: a deliberately broken variant to
show that a check fails, or a stand-in in tests.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Callable
from typing import Any

from building_blocks.common.settings import BLOCKS, Settings

AppFactory = Callable[[Settings], Any]


class BlockNotAvailable(LookupError):
    """The block is not part of this installation (yet)."""


def load_block(block: str, *, package: str = "building_blocks") -> AppFactory:
    """The block's ``create_app``; ``BlockNotAvailable`` when it does not exist.

    A block that exists but fails to import raises its own error: a bug must not pass for a
    missing block.
    """
    if block not in BLOCKS:
        raise BlockNotAvailable(f"unknown building block {block!r}; known: {', '.join(BLOCKS)}")
    override = os.environ.get(f"GDI_{block.upper()}_FACTORY")
    if override:
        return _load_factory(override, block)
    module_name = f"{package}.{block}"
    try:
        found = importlib.util.find_spec(module_name)
    except ModuleNotFoundError:  # the package itself is missing
        found = None
    if found is None:
        raise BlockNotAvailable(f"the {block} building block is not available in this installation")
    module = importlib.import_module(module_name)
    factory: AppFactory | None = getattr(module, "create_app", None)
    if not callable(factory):
        raise BlockNotAvailable(
            f"the {block} building block is not available yet ({module_name} has no create_app)"
        )
    return factory


def _load_factory(reference: str, block: str) -> AppFactory:
    module_name, _, attribute = reference.partition(":")
    variable = f"GDI_{block.upper()}_FACTORY"
    if not module_name or not attribute:
        raise BlockNotAvailable(f"{variable}={reference!r} is not of the form module:callable")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise BlockNotAvailable(f"{variable}: cannot import {module_name}: {exc}") from exc
    factory: AppFactory | None = getattr(module, attribute, None)
    if not callable(factory):
        raise BlockNotAvailable(f"{variable}: {module_name} has no callable {attribute}")
    return factory


def available_blocks() -> list[str]:
    available = []
    for block in BLOCKS:
        try:
            load_block(block)
        except BlockNotAvailable:
            continue
        available.append(block)
    return available
