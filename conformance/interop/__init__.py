"""interop layer (see ARCHITECTURE.md): life events played across building blocks.

A scenario (``geboorte``, ``verhuizing``) is a sequence of steps, each exercising one block;
``play(combination, settings)`` runs them against one identity, registries and messaging
implementation, ``interop_report`` turns the outcome into the result model (one report.json
per combination), and ``matrix`` runs every combination of several implementations per block
and says, for each failing one, which step failed and which block is at fault.
"""

from conformance.interop.report import interop_report
from conformance.interop.runner import (
    Combination,
    Implementation,
    InteropRun,
    InteropSettings,
    combination_of,
    play,
)
from conformance.interop.scenarios import GEBOORTE, SCENARIOS, VERHUIZING
from conformance.interop.steps import BLOCKS, Scenario, ScenarioResult, Step, StepResult

__all__ = [
    "BLOCKS",
    "GEBOORTE",
    "SCENARIOS",
    "VERHUIZING",
    "Combination",
    "Implementation",
    "InteropRun",
    "InteropSettings",
    "Scenario",
    "ScenarioResult",
    "Step",
    "StepResult",
    "combination_of",
    "interop_report",
    "play",
]
