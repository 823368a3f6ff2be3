"""What the plugin needs from the engine: the target's requirements, one run, its report.

``load_target`` resolves the options to a profile and spec (the vendor's checks added), which
is all collection needs. ``EngineRun`` carries the run out at most once per session and keeps
its report: in the process that runs the items, or, under pytest-xdist, in the controller,
which hands the stored report.json to every worker (so one run serves all of them, and every
worker judges the very same results).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance.cli.run_config import (
    UsageError,
    base_url_of,
    build_run_config,
    login_driver_choice,
    read_vendor,
    subjects_of,
)
from conformance.cli.run_options import RunOptions
from conformance.client.credentials import CredentialError, Subjects
from conformance.engine.checks.active import active_check
from conformance.engine.openapi.operations import list_operations
from conformance.engine.profile import generic_profile
from conformance.engine.running.errors import RunSetupError, TargetUnreachable
from conformance.engine.running.runner import run
from conformance.results import Level, RunReport, write_report
from conformance.spec import LoadedSpec, SpecLoadError, load_spec
from conformance.spec.catalog import resolve_block
from conformance.spec.profile import Profile, ProfileError, Requirement
from conformance.spec.vendor import VendorConfig, VendorConfigError


class PluginUsageError(Exception):
    """The --gdi-* options cannot be used; the message says why."""


class CannotRun(Exception):
    """The engine could not run at all (unreachable target, no credentials, unusable spec)."""


@dataclass(frozen=True, slots=True)
class VendorCheck:
    check_id: str
    func: Callable[..., Iterable[Any]]
    requirement: str
    statement: str | None
    level: str
    operations: tuple[str, ...]


@dataclass(slots=True)
class CheckRegistry:
    """Where ``pytest_gdi_register_checks`` adds checks (see the hookspec)."""

    checks: list[VendorCheck] = field(default_factory=list)

    def add(
        self,
        check_id: str,
        func: Callable[..., Iterable[Any]],
        *,
        requirement: str,
        statement: str | None = None,
        level: str = "MUST",
        operations: Iterable[str] = (),
    ) -> None:
        if level not in Level.__members__:
            raise PluginUsageError(f"check {check_id!r}: level must be MUST, SHOULD or MAY")
        self.checks.append(
            VendorCheck(check_id, func, requirement, statement, level, tuple(operations))
        )

    def check(
        self,
        check_id: str,
        *,
        requirement: str,
        statement: str | None = None,
        level: str = "MUST",
        operations: Iterable[str] = (),
    ) -> Callable[[Callable[..., Iterable[Any]]], Callable[..., Iterable[Any]]]:
        """Decorator form of ``add``."""

        def decorator(func: Callable[..., Iterable[Any]]) -> Callable[..., Iterable[Any]]:
            self.add(
                check_id,
                func,
                requirement=requirement,
                statement=statement,
                level=level,
                operations=operations,
            )
            return func

        return decorator

    def apply(self, profile: Profile) -> Profile:
        """The profile with the checks registered: added to their requirement, or as new ones."""
        requirements = list(profile.requirements)
        for item in self.checks:
            active_check(item.check_id)(item.func)
            index = next(
                (i for i, known in enumerate(requirements) if known.id == item.requirement), None
            )
            if index is not None:
                known = requirements[index]
                checks = (*known.checks, item.check_id)
                requirements[index] = dataclasses.replace(known, checks=checks)
                continue
            if not item.statement:
                raise PluginUsageError(
                    f"check {item.check_id!r}: requirement {item.requirement} is not in the "
                    f"{profile.name} profile; give a statement (and level) to add it"
                )
            requirements.append(
                Requirement(
                    id=item.requirement,
                    level=Level(item.level),
                    statement=item.statement,
                    checks=(item.check_id,),
                    operations=item.operations,
                )
            )
        return dataclasses.replace(profile, requirements=tuple(requirements))


@dataclass(frozen=True, slots=True)
class Target:
    profile: Profile
    spec: LoadedSpec
    label: str  # how reports name the spec
    operation_labels: tuple[str, ...]  # "GET /messages", in spec order
    labels_by_id: dict[str, str]  # operationId -> label
    base_url: str
    vendor: VendorConfig | None  # the vendor file, when there is one


def load_target(options: RunOptions, registry: CheckRegistry) -> Target:
    if options.bb and options.spec:
        raise PluginUsageError("give --gdi-bb or --gdi-spec, not both")
    try:
        vendor = read_vendor(options)
    except VendorConfigError as exc:
        raise PluginUsageError(str(exc)) from exc
    base_url = base_url_of(options, vendor)
    if not base_url:
        raise PluginUsageError(
            "--gdi-base-url URL is needed: where the implementation runs (or a vendor file "
            "with its base_url, --gdi-config)"
        )
    try:
        login_driver_choice(options, "--gdi-login-driver", vendor=vendor)
    except UsageError as exc:
        raise PluginUsageError(str(exc)) from exc
    try:
        if options.bb:
            profile, spec = resolve_block(options.bb)
            label = options.bb
        else:
            assert options.spec is not None  # the plugin is active: --gdi-bb or --gdi-spec
            spec = load_spec(options.spec, ref_root=options.ref_root)
            profile, label = generic_profile(), str(options.spec)
    except ProfileError as exc:
        raise PluginUsageError(str(exc)) from exc
    except SpecLoadError as exc:
        raise PluginUsageError(f"cannot use the spec: {exc}") from exc
    operations = list_operations(spec.bundled)
    return Target(
        profile=registry.apply(profile),
        spec=spec,
        label=label,
        operation_labels=tuple(item.label for item in operations),
        labels_by_id={item.operation_id: item.label for item in operations if item.operation_id},
        base_url=base_url,
        vendor=vendor,
    )


def _subjects(options: RunOptions, target: Target, config: pytest.Config) -> Subjects:
    try:
        subjects = subjects_of(options, target.vendor, target.base_url)
    except UsageError as exc:
        raise CannotRun(str(exc)) from exc
    sources = dict(subjects)
    config.hook.pytest_gdi_configure_auth(sources=sources, config=config)
    return Subjects(sources, redactor=subjects.redactor)


class EngineRun:
    """One engine run for the session, carried out on first use (or read from a file)."""

    def __init__(self, config: pytest.Config, options: RunOptions, target: Target) -> None:
        self.config = config
        self.options = options
        self.target = target
        self.stored: Path | None = None  # a report.json written by another process
        self._report: RunReport | None = None

    def report(self) -> RunReport:
        if self._report is None:
            if self.stored is not None:
                data = json.loads(self.stored.read_text(encoding="utf-8"))
                self._report = RunReport.from_dict(data)
            else:
                self._report = self.execute()
        return self._report

    def execute(self) -> RunReport:
        subjects = _subjects(self.options, self.target, self.config)
        settings = build_run_config(
            self.options,
            spec=self.target.spec,
            profile=self.target.profile,
            base_url=self.target.base_url,
            subjects=subjects,
            vendor=self.target.vendor,
            spec_label=self.target.label,
        )
        try:
            report = run(settings)
        except TargetUnreachable as exc:
            raise CannotRun(f"the target is unreachable: {exc}") from exc
        except (RunSetupError, CredentialError) as exc:
            raise CannotRun(subjects.redactor.text(str(exc))) from exc
        report_dir = self.config.getoption("gdi_report_dir")
        if report_dir:
            write_report(report, Path(report_dir), subjects.redactor)
        self.config.hook.pytest_gdi_report(report=report, config=self.config)
        return report

    def store(self, directory: Path) -> Path:
        """Write the report where other processes can read it (already redacted)."""
        return write_report(self.report(), directory)
