"""What the plugin needs from the engine: the target's requirements, one run, its report.

``load_target`` resolves the options to a profile and spec (the vendor's checks added), which
is all collection needs. ``EngineRun`` carries the run out at most once per session and keeps
its report: in the process that runs the items, or, under pytest-xdist, in the controller,
which hands the stored report.json to every worker (so one run serves all of them, and every
worker judges the very same results).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance.cli.run import UsageError, build_subjects, login_driver_choice
from conformance.cli.vendor_file import (
    block_name,
    block_of,
    identity_url,
    read_vendor,
    vendor_subjects,
)
from conformance.client.credentials import CredentialError, Subjects
from conformance.engine.checks.active import active_check
from conformance.engine.openapi.operations import list_operations
from conformance.engine.profile import (
    Profile,
    ProfileError,
    Requirement,
    generic_profile,
    resolve_block,
)
from conformance.engine.runner import RunConfig, RunSetupError, TargetUnreachable, run
from conformance.results import Level, RunReport, write_report
from conformance.spec import LoadedSpec, SpecLoadError, load_spec
from conformance.spec.vendor import VendorConfigError


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


def load_target(args: argparse.Namespace, registry: CheckRegistry) -> Target:
    if args.bb and args.spec:
        raise PluginUsageError("give --gdi-bb or --gdi-spec, not both")
    try:
        args.vendor = read_vendor(args)
    except VendorConfigError as exc:
        raise PluginUsageError(str(exc)) from exc
    vendor_block = block_of(args.vendor, block_name(args.bb)) if args.bb else None
    if not args.base_url and vendor_block is not None:
        args.base_url = vendor_block.base_url
    if not args.base_url:
        raise PluginUsageError(
            "--gdi-base-url URL is needed: where the implementation runs (or a vendor file "
            "with its base_url, --gdi-config)"
        )
    try:
        login_driver_choice(args, "--gdi-login-driver", vendor=args.vendor)
    except UsageError as exc:
        raise PluginUsageError(str(exc)) from exc
    try:
        if args.bb:
            profile, spec = resolve_block(args.bb)
            label = args.bb
        else:
            spec, profile, label = load_spec(args.spec), generic_profile(), str(args.spec)
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
    )


def _subjects(args: argparse.Namespace, config: pytest.Config) -> Subjects:
    try:
        subjects = build_subjects(args)
    except UsageError as exc:
        raise CannotRun(str(exc)) from exc
    vendor = getattr(args, "vendor", None)
    if not list(subjects) and vendor is not None and args.bb:
        block = block_name(args.bb)
        issuer = args.base_url if block == "identity" else (args.identity or identity_url(vendor))
        subjects = vendor_subjects(vendor, block, issuer)
    sources = dict(subjects)
    config.hook.pytest_gdi_configure_auth(sources=sources, config=config)
    return Subjects(sources, redactor=subjects.redactor)


class EngineRun:
    """One engine run for the session, carried out on first use (or read from a file)."""

    def __init__(self, config: pytest.Config, args: argparse.Namespace, target: Target) -> None:
        self.config = config
        self.args = args
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
        subjects = _subjects(self.args, self.config)
        settings = RunConfig(
            spec=self.target.spec,
            base_url=self.args.base_url,
            profile=self.target.profile,
            subjects=subjects,
            seed=self.args.seed,
            max_examples=self.args.max_examples,
            max_time=self.args.max_time,
            request_timeout=self.args.request_timeout,
            spec_label=self.target.label,
            login_driver=self.args.login_driver,
            vendor=getattr(self.args, "vendor", None),
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
