"""The shared service layer of the reference building blocks (see ``app.create_app``).

Names are imported on first use, so that light users (the command line reading ``BLOCKS``)
do not pay for loading the web framework.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "AccessToken": "auth",
    "TokenVerifier": "auth",
    "BlockApp": "app",
    "allowed_methods": "app",
    "create_app": "app",
    "invalid_params_from": "app",
    "PROBLEM_JSON": "problems",
    "InvalidParam": "problems",
    "ProblemError": "problems",
    "invalid_input": "problems",
    "problem": "problems",
    "problem_response": "problems",
    "BLOCKS": "settings",
    "Settings": "settings",
    "SpecError": "specinfo",
    "SpecInfo": "specinfo",
    "load_spec_info": "specinfo",
    "Database": "storage",
}

__all__ = [
    "BLOCKS",
    "PROBLEM_JSON",
    "AccessToken",
    "BlockApp",
    "Database",
    "InvalidParam",
    "ProblemError",
    "Settings",
    "SpecError",
    "SpecInfo",
    "TokenVerifier",
    "allowed_methods",
    "create_app",
    "invalid_input",
    "invalid_params_from",
    "load_spec_info",
    "problem",
    "problem_response",
]

if TYPE_CHECKING:
    from building_blocks.common.app import (
        BlockApp,
        allowed_methods,
        create_app,
        invalid_params_from,
    )
    from building_blocks.common.auth import AccessToken, TokenVerifier
    from building_blocks.common.problems import (
        PROBLEM_JSON,
        InvalidParam,
        ProblemError,
        invalid_input,
        problem,
        problem_response,
    )
    from building_blocks.common.settings import BLOCKS, Settings
    from building_blocks.common.specinfo import SpecError, SpecInfo, load_spec_info
    from building_blocks.common.storage import Database


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
