"""Test items: one per requirement and operation, judged from the session's engine run.

A requirement limited to operations gets an item per operation (``GDI-MSG-025[GET
/messages/{messageId}]``); one that holds for the whole API gets one per operation of the
spec. Every requirement also gets ``REQ[api]``: what its checks found outside any single one
of those operations (probes of paths the spec does not give a method, lint findings, the
requirement's own errors). An item

- fails with the evidence (request, response, curl) of every failure of its requirement on
  its operation; a SHOULD or MAY requirement's failure is an xfail, as it does not decide
  conformance;
- fails as *not proven* when the requirement is in error there (no answer, a crashed check);
- is skipped, with the reason, when the requirement is skipped or not applicable;
- passes otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.pytest_plugin.runs import EngineRun, Target
from conformance.results import Evidence, Level, Outcome, RequirementResult
from conformance.spec.profile import Requirement

API_WIDE = "api"
SHOWN_FAILURES = 5


class RequirementNotMet(Exception):
    """An item's requirement failed (or is not proven) on its operation."""


def item_name(requirement: str, operation: str) -> str:
    return f"{requirement}[{operation}]"


class ConformanceCollector(pytest.Collector):
    """All items of one target (a catalogue block or a spec)."""

    def __init__(self, *, target: Target, engine: EngineRun, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target
        self.engine = engine

    def collect(self) -> list[pytest.Item]:
        items: list[pytest.Item] = []
        for requirement in self.target.profile.requirements:
            for operation in self.operations_of(requirement):
                items.append(
                    RequirementItem.from_parent(
                        self,
                        name=item_name(requirement.id, operation),
                        requirement=requirement,
                        operation=None if operation == API_WIDE else operation,
                    )
                )
        return items

    def operations_of(self, requirement: Requirement) -> Iterator[str]:
        if requirement.operations:
            labels = self.target.labels_by_id
            yield from (labels[item] for item in requirement.operations if item in labels)
        else:
            yield from self.target.operation_labels
        yield API_WIDE


class RequirementItem(pytest.Item):
    def __init__(self, *, requirement: Requirement, operation: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.requirement = requirement
        self.operation = operation
        self.user_properties += [
            ("requirement", requirement.id),
            ("level", requirement.level.value),
            ("operation", operation or API_WIDE),
            ("checks", " ".join(requirement.checks)),
        ]
        self.add_marker(pytest.mark.gdi_requirement(requirement.id))

    @property
    def engine(self) -> EngineRun:
        parent = self.parent
        assert isinstance(parent, ConformanceCollector)
        return parent.engine

    def _mine(self, label: str | None) -> bool:
        """Whether a result about ``label`` belongs to this item."""
        parent = self.parent
        assert isinstance(parent, ConformanceCollector)
        if self.operation is not None:
            return label == self.operation
        scope = set(parent.operations_of(self.requirement)) - {API_WIDE}
        return label not in scope

    def runtest(self) -> None:
        result = self.engine.report().requirement(self.requirement.id)
        if result.outcome in (Outcome.SKIPPED, Outcome.NOT_APPLICABLE):
            what = "not applicable" if result.outcome is Outcome.NOT_APPLICABLE else "not proven"
            pytest.skip(f"{result.id} {what}: {result.reason or 'no reason given'}")
        failures = [item for item in result.failures if self._mine(item.operation)]
        if failures:
            text = describe_failures(result, failures, self.operation)
            if result.level is not Level.MUST:
                pytest.xfail(f"{result.level.value} requirement not met. {text}")
            raise RequirementNotMet(text)
        errors = [message for message in result.errors if self._owns_error(message)]
        if errors:
            raise RequirementNotMet(
                f"{result.id} ({result.level.value}) not proven"
                f"{' on ' + self.operation if self.operation else ''}: " + "; ".join(errors)
            )

    def _owns_error(self, message: str) -> bool:
        parent = self.parent
        assert isinstance(parent, ConformanceCollector)
        named = next(
            (label for label in parent.target.operation_labels if message.startswith(label + ":")),
            None,
        )
        return self._mine(named)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | Any:
        if isinstance(excinfo.value, RequirementNotMet):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        parent = self.parent
        assert isinstance(parent, ConformanceCollector)
        return parent.target.spec.path, None, self.name


def describe_failures(
    result: RequirementResult, failures: list[Evidence], operation: str | None
) -> str:
    where = f" on {operation}" if operation else ""
    lines = [f"{result.id} ({result.level.value}) failed{where}: {result.statement}"]
    for item in failures[:SHOWN_FAILURES]:
        times = f" (x{item.occurrences})" if item.occurrences > 1 else ""
        lines.append(f"  {item.check}: {item.title}{times}")
        lines.append(f"    {item.message}")
        if item.response is not None:
            lines.append(f"    answered {item.response.status}")
        if item.curl:
            lines.append(f"    reproduce: {item.curl}")
    if len(failures) > SHOWN_FAILURES:
        lines.append(f"  ... and {len(failures) - SHOWN_FAILURES} more")
    return "\n".join(lines)
