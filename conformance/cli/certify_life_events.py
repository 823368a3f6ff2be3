"""The life events (geboorte, verhuizing) played across the reference blocks after certifying.

Certifying each block alone does not show that they work together; ``certify --reference``
therefore also plays the interop scenarios against the three reference blocks it started,
and writes them as one more report (``<report-dir>/interop/``) beside the blocks'.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from rich.console import Console

from conformance.cli.certify_blocks import OverviewEntry, Settings, overview_entry
from conformance.client.login import load_login_driver
from conformance.exitcodes import ExitCode
from conformance.interop import InteropSettings, combination_of, interop_report, play
from conformance.reports.certification import certify
from conformance.reports.render import write_outputs
from conformance.results import Outcome

FORMATS = ("json", "html", "junit")


def play_life_events(
    base_urls: Mapping[str, str], settings: Settings, console: Console
) -> tuple[int, OverviewEntry]:
    """Play every scenario once: the exit code as for ``interop`` (0 all passed, 1 a step
    failed), and the report's entry for the overview (index.html)."""
    combination = combination_of(
        base_urls["identity"], base_urls["registries"], base_urls["messaging"]
    )
    options = settings.options
    driver = load_login_driver(options.login_driver)  # the certify command checked it loads
    run = play(
        combination,
        InteropSettings(
            seed=options.seed, request_timeout=options.request_timeout, login_driver=driver
        ),
    )
    directory = settings.report_dir / "interop"
    # The life events are the certified product's too: one row with its blocks in the overview.
    report = dataclasses.replace(interop_report(run), product=settings.product)
    certification = certify(report)
    write_outputs(report, certification, directory, FORMATS, language=settings.language)
    for result in run.scenarios:
        line = f"life event {result.scenario.name}: {result.outcome.value}"
        stopped = result.stopped_at
        if stopped is not None:
            line += f" at step {stopped.step.id}"
            if stopped.blame:
                line += f" ({stopped.blame} at fault): {run.redactor.text(stopped.message)}"
        console.print(line, markup=False, highlight=False)
    console.print(f"life events: {directory}/report.html", markup=False, highlight=False)
    passed = run.outcome is Outcome.PASSED
    code = ExitCode.CONFORMANT if passed else ExitCode.NOT_CONFORMANT
    return code, overview_entry(report, certification, directory, settings)
