"""engine layer (see ARCHITECTURE.md): dynamic conformance checks against a running API.

``run(RunConfig(...)) -> RunReport`` is the whole engine: active probes, Schemathesis's phases
with its checks and ours, and the assessment of every requirement of the profile.
"""

from conformance.engine.active import (
    ACTIVE_CHECKS,
    ActiveCheck,
    ActiveContext,
    Observation,
    active_check,
)
from conformance.engine.auth import (
    PRIMARY,
    SECONDARY,
    CredentialError,
    CredentialSource,
    IdentityClient,
    StaticHeaders,
    Subjects,
    TokenCommand,
)
from conformance.engine.catalogue import CATALOGUE, CheckDef, Kind, checks_excused_by, load_checks
from conformance.engine.config import RunConfig
from conformance.engine.fuzzing.collector import Listener, Progress
from conformance.engine.fuzzing.sharding import Shard
from conformance.engine.http import Exchange, HttpClient
from conformance.engine.profile import generic_profile
from conformance.engine.running.control import RunControl
from conformance.engine.running.errors import RunSetupError, TargetUnreachable
from conformance.engine.running.reachability import check_reachable
from conformance.engine.running.runner import run
from conformance.spec.catalog import resolve_block
from conformance.spec.profile import Profile, ProfileError, ProfileException, Requirement

load_checks()  # the check modules the catalogue lists (catalogue.CHECK_MODULES)

__all__ = [
    "ACTIVE_CHECKS",
    "CATALOGUE",
    "PRIMARY",
    "SECONDARY",
    "ActiveCheck",
    "ActiveContext",
    "CheckDef",
    "CredentialError",
    "CredentialSource",
    "Exchange",
    "HttpClient",
    "IdentityClient",
    "Kind",
    "Listener",
    "Observation",
    "Profile",
    "ProfileError",
    "ProfileException",
    "Progress",
    "Requirement",
    "RunConfig",
    "RunControl",
    "RunSetupError",
    "Shard",
    "StaticHeaders",
    "Subjects",
    "TargetUnreachable",
    "TokenCommand",
    "active_check",
    "check_reachable",
    "checks_excused_by",
    "generic_profile",
    "load_checks",
    "resolve_block",
    "run",
]
