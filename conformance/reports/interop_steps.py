"""The steps of each life event in an interop report, in the order they were played.

An interop report (profile kind ``interop``) has a requirement per scenario and a check per
step (``interop:<scenario>:<step>``). The scenario definitions say which block each step
exercised and what it does; the report says how each step went.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.interop import SCENARIOS
from conformance.results import Outcome, RunReport


@dataclass(frozen=True, slots=True)
class StepRow:
    number: int
    id: str
    block: str | None  # None: a step of a scenario this version does not know
    title: str
    outcome: Outcome
    reason: str | None


@dataclass(frozen=True, slots=True)
class ScenarioSteps:
    requirement: str
    scenario: str
    title: str
    steps: list[StepRow]


def interop_steps(report: RunReport) -> list[ScenarioSteps]:
    """Each scenario's steps, in order; empty for a report that is not an interop report."""
    if report.profile.kind != "interop":
        return []
    checks = {check.id: check for check in report.checks}
    found = []
    for requirement in report.requirements:
        rows: list[StepRow] = []
        name = ""
        for number, check_id in enumerate(requirement.checks, start=1):
            _, name, step_id = [*check_id.split(":", 2), "", ""][:3]
            scenario = SCENARIOS.get(name)
            step = (
                next((item for item in scenario.steps if item.id == step_id), None)
                if scenario
                else None
            )
            check = checks.get(check_id)
            rows.append(
                StepRow(
                    number=number,
                    id=step_id,
                    block=step.block if step else None,
                    title=step.title if step else step_id,
                    outcome=check.outcome if check else Outcome.SKIPPED,
                    reason=check.reason if check else None,
                )
            )
        scenario = SCENARIOS.get(name)
        title = scenario.title if scenario else name
        found.append(ScenarioSteps(requirement.id, name, title, rows))
    return found
