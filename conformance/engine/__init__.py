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
from conformance.engine.check_ids import BUILTIN_CHECKS, checks_excused_by
from conformance.engine.collector import Listener, Progress
from conformance.engine.http import Exchange, HttpClient
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

# Registers the building-block behaviour checks (bb:*) as active checks.
from conformance.engine import behaviour  # noqa: F401  isort: skip

# Registers the security checks (sec:*) and the read-after-create probe; after the behaviour
# checks, so that the resources they create come after what those checks expect to find.
from conformance.engine import availability, security  # noqa: F401  isort: skip

__all__ = [
    "ACTIVE_CHECKS",
    "BUILTIN_CHECKS",
    "PRIMARY",
    "SECONDARY",
    "ActiveCheck",
    "ActiveContext",
    "CredentialError",
    "CredentialSource",
    "Exchange",
    "HttpClient",
    "IdentityClient",
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
    "resolve_block",
    "run",
]
