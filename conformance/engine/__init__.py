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
from conformance.engine.catalogue import CATALOGUE, CheckDef, Kind, checks_excused_by, load_checks
from conformance.engine.collector import Listener, Progress
from conformance.engine.profile import (
    Profile,
    ProfileError,
    ProfileException,
    Requirement,
    generic_profile,
    resolve_block,
)
from conformance.engine.runner import (
    RunConfig,
    RunControl,
    RunSetupError,
    TargetUnreachable,
    check_reachable,
    run,
)
from conformance.engine.sharding import Shard

load_checks()  # the check modules the catalogue lists (catalogue.CHECK_MODULES)

__all__ = [
    "ACTIVE_CHECKS",
    "CATALOGUE",
    "ActiveCheck",
    "ActiveContext",
    "CheckDef",
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
    "TargetUnreachable",
    "active_check",
    "check_reachable",
    "checks_excused_by",
    "generic_profile",
    "load_checks",
    "resolve_block",
    "run",
]
