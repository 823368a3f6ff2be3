"""Which building blocks this installation can serve.

A block registers itself by being a package ``building_blocks.<block>`` whose ``__init__``
exposes ``create_app(settings: Settings) -> ASGI app``.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

from building_blocks.common.settings import BLOCKS, Settings

AppFactory = Callable[[Settings], Any]


class BlockNotAvailable(LookupError):
    """The block is not part of this installation (yet)."""


def load_block(block: str) -> AppFactory:
    """The block's ``create_app``; ``BlockNotAvailable`` when it does not exist.

    A block that exists but fails to import raises its own error: a bug must not pass for a
    missing block.
    """
    if block not in BLOCKS:
        raise BlockNotAvailable(f"unknown building block {block!r}; known: {', '.join(BLOCKS)}")
    module_name = f"building_blocks.{block}"
    if importlib.util.find_spec(module_name) is None:
        raise BlockNotAvailable(f"the {block} building block is not available in this installation")
    module = importlib.import_module(module_name)
    factory = getattr(module, "create_app", None)
    if not callable(factory):
        raise BlockNotAvailable(
            f"the {block} building block is not available yet ({module_name} has no create_app)"
        )
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
