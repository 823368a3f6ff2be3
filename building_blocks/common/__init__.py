"""The shared service layer of the reference building blocks (see ``app.create_app``)."""

from building_blocks.common.app import BlockApp, allowed_methods, create_app, invalid_params_from
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
