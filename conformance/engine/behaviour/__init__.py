"""Building-block behaviour checks (``bb:<block>:<name>``), registered as active checks.

One module per concern of a block; each check proves what a profile requirement demands of
the block's behaviour, beyond what its spec can express: query semantics, life events,
idempotency, object-level authorisation, notifications. Checks act as several roles
(``roles``), draw their inputs with Hypothesis seeded by the run (``explore``), and record
every exchange that shows a failure as evidence. The engine runs the ones a profile names.
"""

from conformance.engine.behaviour import (  # noqa: F401  (registers the checks)
    identity,
    messaging_durability,
    messaging_events,
    messaging_inbox,
    messaging_sending,
    registries_access,
    registries_events,
    registries_privacy,
    registries_queries,
)
from conformance.engine.behaviour.base import BEHAVIOUR_CHECKS, Session, behaviour_check
from conformance.engine.behaviour.settings import BehaviourSettings

__all__ = ["BEHAVIOUR_CHECKS", "BehaviourSettings", "Session", "behaviour_check"]
