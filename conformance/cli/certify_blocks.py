"""Certify building blocks one after another and write each one's reports and certificate.

Used by ``gdi-conformance certify``: for every block, run the engine, judge the report
(certification, waivers), write ``<dir>/<block>/`` (report.json, report.html, junit.xml,
badge.svg, lint.sarif, certificate.json and the public key that verifies it), then the
overview of every report in the folder (earlier runs' too) and the public key beside it.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from conformance.cli.matrix import link, write_matrix
from conformance.cli.run_config import build_run_config
from conformance.cli.run_options import RunOptions
from conformance.client.credentials import CredentialError, Subjects
from conformance.engine.fuzzing.collector import Progress as EngineProgress
from conformance.engine.running.control import RunControl
from conformance.engine.running.errors import RunSetupError, TargetUnreachable
from conformance.engine.running.runner import run
from conformance.reports.certification import Certification, CertificationVerdict, certify
from conformance.reports.folder import EARLIER_KEYS, collect
from conformance.reports.i18n import DEFAULT_LANGUAGE
from conformance.reports.matrix import Entry
from conformance.reports.render import write_atomic, write_certificate, write_outputs
from conformance.reports.signing import (
    PUBLIC_KEY_FILE,
    SigningKeyError,
    fingerprint,
    load_public_key,
    public_pem,
)
from conformance.reports.waivers import Waiver
from conformance.results import ProductInfo, Redactor, RunReport
from conformance.spec import SpecLoadError
from conformance.spec.catalog import resolve_block
from conformance.spec.profile import ProfileError
from conformance.spec.vendor import VendorConfig

PHASES_PER_OPERATION = 4  # examples, coverage, fuzzing, stateful
VERDICT_STYLES = {
    CertificationVerdict.CERTIFIED: "bold green",
    CertificationVerdict.CERTIFIED_WITH_REMARKS: "bold yellow",
    CertificationVerdict.NOT_CERTIFIED: "bold red",
    CertificationVerdict.INCOMPLETE: "bold magenta",
}


@dataclass(slots=True)
class Target:
    block: str  # catalogue reference: NAME or NAME@vMAJOR
    base_url: str
    subjects: Subjects = field(default_factory=Subjects)
    # Crash the implementation (SIGKILL) and start it again on the same port and data: for an
    # implementation the harness started itself, or the vendor file's restart command.
    restart: Callable[[], None] | None = None


@dataclass(slots=True)
class Settings:
    report_dir: Path
    key: Ed25519PrivateKey
    product: ProductInfo | None
    waivers: list[Waiver]
    options: RunOptions  # the run options of every block: seed, budget, login driver
    language: str = DEFAULT_LANGUAGE  # of the HTML reports and the overview
    vendor: VendorConfig | None = None  # see RunConfig.vendor


@dataclass(slots=True)
class BlockResult:
    block: str
    report: RunReport | None = None
    certification: Certification | None = None
    directory: Path | None = None
    problem: str | None = None  # why the block could not be certified at all
    interrupted: bool = False  # not started: the certification was stopped before its turn


def _operation_count(document: dict[str, Any]) -> int:
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    paths = document.get("paths") or {}
    return sum(
        1
        for item in paths.values()
        if isinstance(item, dict)
        for method in item
        if method in methods
    )


def _listener(progress: BlockProgress, task: TaskID) -> Callable[[EngineProgress], None]:
    def update(event: EngineProgress) -> None:
        if event.kind == "operation-done":
            progress.advance(task)
        if event.kind in ("phase-started", "operation-done"):
            progress.update(task, phase=event.phase)

    return update


def certify_block(
    target: Target, settings: Settings, progress: BlockProgress, control: RunControl
) -> BlockResult:
    name = target.block.split("@")[0]
    result = BlockResult(block=name)
    try:
        profile, spec = resolve_block(target.block)
    except (ProfileError, SpecLoadError) as exc:
        result.problem = f"cannot use the {target.block} profile: {exc}"
        return result
    steps = 1 + PHASES_PER_OPERATION * _operation_count(spec.bundled)
    task = progress.add_task(name, total=steps, phase="starting")
    config = build_run_config(
        settings.options,
        spec=spec,
        profile=profile,
        base_url=target.base_url,
        subjects=target.subjects,
        vendor=settings.vendor,
        restart=target.restart,
    )
    redactor: Redactor = target.subjects.redactor
    try:
        report = run(config, control=control, listener=_listener(progress, task))
    except TargetUnreachable as exc:
        result.problem = f"{name}: the target is unreachable: {exc}"
    except (RunSetupError, CredentialError) as exc:
        result.problem = f"{name}: {redactor.text(str(exc))}"
    finally:
        progress.update(task, completed=steps, phase="done")
    if result.problem:
        progress.update(task, phase="could not run")
        return result
    # Every output, and the digest the certificate holds, comes from the redacted report.
    scrubbed = redactor.scrub(dataclasses.replace(report, product=settings.product).to_dict())
    report = RunReport.from_dict(scrubbed)
    certification = certify(report, settings.waivers)
    directory = settings.report_dir / name
    formats = ("json", "html", "junit", "badge", "sarif")
    signed_by = fingerprint(settings.key.public_key())
    write_outputs(
        report,
        certification,
        directory,
        formats,
        spec=spec,
        signed_by=signed_by,
        language=settings.language,
    )
    write_certificate(report, certification, directory, settings.key)
    # Beside its certificate, so that it still verifies when a later run into the same folder
    # signs with another key.
    write_atomic(directory / PUBLIC_KEY_FILE, public_pem(settings.key.public_key()))
    progress.update(task, phase=certification.verdict.label)
    result.report, result.certification, result.directory = report, certification, directory
    return result


OverviewEntry = tuple[RunReport, Certification, str | None]  # with the link to its report


def overview_entry(
    report: RunReport, certification: Certification, directory: Path, settings: Settings
) -> OverviewEntry:
    return report, certification, link(directory / "report.json", settings.report_dir)


def _keep_earlier_key(path: Path, key: Ed25519PrivateKey) -> None:
    """An earlier run's public key at ``path`` that is not ``key``: keep it under
    ``signing-keys/`` so that the certificates it verifies still do in the overview."""
    try:
        earlier = load_public_key(path)
    except SigningKeyError:
        return
    named = fingerprint(earlier)
    if named == fingerprint(key.public_key()):
        return
    kept = path.parent / EARLIER_KEYS / f"{named.removeprefix('SHA256:')[:16]}.pub.pem"
    if not kept.exists():
        write_atomic(kept, public_pem(earlier))


def write_overview(
    results: list[BlockResult], settings: Settings, extra: tuple[OverviewEntry, ...] = ()
) -> tuple[Path, Path]:
    """index.html and matrix.json over every report in the report folder: the blocks certified
    now, the life events (``extra``) and what earlier runs into the same folder wrote; and the
    public key of this run beside them."""
    folder = settings.report_dir
    key_path = folder / PUBLIC_KEY_FILE
    _keep_earlier_key(key_path, settings.key)
    key_path = write_atomic(key_path, public_pem(settings.key.public_key()))
    found, problems = collect(folder, [settings.key.public_key()])
    for problem in problems:
        print(f"gdi-conformance certify: {problem}", file=sys.stderr)
    entries: list[Entry] = [(item.report, item.judgement, item.href) for item in found]
    seals = {item.report.run_id: item.seal for item in found}
    current = [
        overview_entry(item.report, item.certification, item.directory, settings)
        for item in results
        if item.report is not None and item.certification is not None and item.directory
    ]
    # What this run wrote is in the folder; should a report of it not read back, it is still
    # shown as judged now.
    entries += [entry for entry in (*current, *extra) if entry[0].run_id not in seals]
    index, _ = write_matrix(entries, folder, seals, settings.language)
    return index, key_path


class PhaseLines:
    """Progress for a log without a terminal (CI): a line each time a block enters a phase, so
    the log shows what is going on instead of nothing for minutes. Used as rich's Progress is."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._tasks: dict[int, tuple[str, float, list[str]]] = {}  # name, start, phases seen

    def __enter__(self) -> PhaseLines:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def add_task(self, description: str, total: int, phase: str) -> TaskID:
        task = TaskID(len(self._tasks))
        self._tasks[task] = (description, time.monotonic(), [])
        self.update(task, phase=phase)
        return task

    def advance(self, task: TaskID) -> None:
        return None

    def update(self, task: TaskID, completed: int | None = None, phase: str | None = None) -> None:
        name, started, seen = self._tasks[task]
        if phase is None or (seen and seen[-1] == phase):
            return
        seen.append(phase)
        elapsed = time.monotonic() - started
        self.console.print(f"{name:<11} {elapsed:>5.0f} s  {phase}", markup=False, highlight=False)


BlockProgress = Progress | PhaseLines


def progress_bars(console: Console) -> BlockProgress:
    """Bars on a terminal; one line per block phase otherwise."""
    if not console.is_terminal:
        return PhaseLines(console)
    return Progress(
        TextColumn("[bold]{task.description:<11}"),
        BarColumn(bar_width=32),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        TextColumn("{task.fields[phase]}"),
        console=console,
        transient=False,
    )


def print_summary(
    results: list[BlockResult], settings: Settings, index: Path | None, console: Console
) -> None:
    table = Table(title="Certification", expand=False)
    for column in ("block", "verdict", "score", "MUST failed", "not executed", "cases", "time"):
        table.add_column(column, no_wrap=True)
    for item in results:
        if item.report is None or item.certification is None:
            said = Text("not run", style="bold yellow") if item.interrupted else None
            said = said or Text("could not run", style="bold red")
            table.add_row(item.block, said, "", "", "", "", "")
            continue
        summary = item.report.summary
        verdict = item.certification.verdict
        table.add_row(
            item.block,
            Text(verdict.label, style=VERDICT_STYLES[verdict]),
            str(item.certification.score),
            str(len(summary.must_failed)),
            str(summary.requirements.get("skipped", 0) + summary.requirements.get("error", 0)),
            str(summary.cases),
            f"{item.report.duration_s:.0f} s",
        )
    console.print(table)
    for item in results:
        if item.problem:
            console.print(
                f"{item.block}: {item.problem}", style="red", highlight=False, soft_wrap=True
            )
        elif item.certification is not None:
            for reason in item.certification.reasons:
                console.print(f"{item.block}: {reason}", highlight=False, soft_wrap=True)
    if index is not None:
        console.print(f"reports:     {settings.report_dir}/<block>/", highlight=False)
        console.print(f"overview:    {index}", highlight=False)
    # Drawn at random unless given: --seed N repeats the certification.
    console.print(f"seed:        {settings.options.seed}", highlight=False)
    key = fingerprint(settings.key.public_key())
    console.print(f"signing key: {key}", highlight=False, soft_wrap=True)
