"""The life-event scenarios, by name."""

from conformance.interop.scenarios.geboorte import GEBOORTE
from conformance.interop.scenarios.verhuizing import VERHUIZING
from conformance.interop.steps import Scenario

SCENARIOS: dict[str, Scenario] = {scenario.name: scenario for scenario in (GEBOORTE, VERHUIZING)}

__all__ = ["GEBOORTE", "SCENARIOS", "VERHUIZING"]
