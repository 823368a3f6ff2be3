"""Certify building blocks one after another and write each one's reports and certificate.

Used by ``gdi-conformance certify``: for every block, run the engine, judge the report
(certification, waivers), write ``<dir>/<block>/`` (report.json, report.html, junit.xml,
badge.svg, lint.sarif, certificate.json), then the overview and the public key beside them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from conformance.cli.matrix import link, write_matrix
from conformance.engine import (
    CredentialError,
    ProfileError,
    RunConfig,
    RunControl,
    RunSetupError,
    Subjects,
    TargetUnreachable,
    resolve_block,
    run,
)
from conformance.engine import Progress as EngineProgress
from conformance.reports.certification import Certification, CertificationVerdict, certify
from conformance.reports.render import write_atomic, write_certificate, write_outputs
from conformance.reports.signing import PUBLIC_KEY_FILE, fingerprint, public_pem
from conformance.reports.waivers import Waiver
from conformance.results import ProductInfo, Redactor, RunReport
from conformance.spec import SpecLoadError
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
    seed: int | None
    max_examples: int
    max_time: float | None
    workers: int
    request_timeout: float
    login_driver: str | None = None  # see RunConfig.login_driver
    vendor: VendorConfig | None = None  # see RunConfig.vendor


@dataclass(slots=True)
class BlockResult:
    block: str
    report: RunReport | None = None
    certification: Certification | None = None
    directory: Path | None = None
    problem: str | None = None  # why the block could not be certified at all
    interrupted: bool = False  # not started: the certification was stopped before its turn


def _operation_count(document: dict) -> int:
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    paths = document.get("paths") or {}
    return sum(
        1
        for item in paths.values()
        if isinstance(item, dict)
        for method in item
        if method in methods
    )


def _listener(progress: Progress, task: TaskID) -> Callable[[EngineProgress], None]:
    def update(event: EngineProgress) -> None:
        if event.kind == "operation-done":
            progress.advance(task)
        if event.kind in ("phase-started", "operation-done"):
            progress.update(task, phase=event.phase)

    return update


def certify_block(
    target: Target, settings: Settings, progress: Progress, control: RunControl
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
    config = RunConfig(
        spec=spec,
        base_url=target.base_url,
        profile=profile,
        subjects=target.subjects,
        seed=settings.seed,
        max_examples=settings.max_examples,
        max_time=settings.max_time,
        workers=settings.workers,
        request_timeout=settings.request_timeout,
        restart=target.restart,
        login_driver=settings.login_driver,
        vendor=settings.vendor,
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
    write_outputs(report, certification, directory, formats, spec=spec)
    write_certificate(report, certification, directory, settings.key)
    progress.update(task, phase=certification.verdict.label)
    result.report, result.certification, result.directory = report, certification, directory
    return result


OverviewEntry = tuple[RunReport, Certification, str | None]  # with the link to its report


def overview_entry(
    report: RunReport, certification: Certification, directory: Path, settings: Settings
) -> OverviewEntry:
    return report, certification, link(directory / "report.json", settings.report_dir)


def write_overview(
    results: list[BlockResult], settings: Settings, extra: tuple[OverviewEntry, ...] = ()
) -> tuple[Path, Path]:
    """index.html and matrix.json over the certified blocks (and ``extra`` reports, such as the
    life events), and the key that verifies the certificates."""
    entries = [
        overview_entry(item.report, item.certification, item.directory, settings)
        for item in results
        if item.report is not None and item.certification is not None and item.directory
    ]
    entries += extra
    index, _ = write_matrix(entries, settings.report_dir)
    key_path = write_atomic(
        settings.report_dir / PUBLIC_KEY_FILE, public_pem(settings.key.public_key())
    )
    return index, key_path


def progress_bars(console: Console) -> Progress:
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
    key = fingerprint(settings.key.public_key())
    console.print(f"signing key: {key}", highlight=False, soft_wrap=True)
