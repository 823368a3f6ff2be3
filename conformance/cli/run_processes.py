"""``run --workers N`` as N processes: the run split into N shards, run at once, merged.

Schemathesis's own workers are threads of one process; generating cases is CPU-bound Python,
so threads barely add throughput. N processes each run ``run --shard i/N`` (the same seed and
--threads; the stateful phase split between them, see ``conformance.engine.fuzzing.sharding``) and
this process merges their reports into one report.json, exactly as ``gdi-conformance merge``
would. What it gains depends on where the time goes (``benchmarks/engine_vs_cli.py``, two
cores, medians of three): against a target that takes 10 ms to answer (a network, a
database), 2 and 4 processes sent 1.7x and 2.2x the requests per second of one process (1.55x
and 2.05x the Schemathesis CLI's); against one answering in well under 1 ms, 2 processes sent
1.3x and 4 processes 1.0x, as generating cases is the bottleneck and the processes share the
two cores with the target. Each process pays the start-up again (about 1.8 s of CPU), so more
processes than cores pay off only for targets that are slow to answer.

Each shard is deterministic for its seed; SIGINT/SIGTERM reach every shard, which then writes
the report of what it ran, and the merged report is marked incomplete.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from types import FrameType

from conformance.cli.interruption import take_early_signals
from conformance.cli.run_certificate import signing_key, write_run_report
from conformance.cli.run_options import RunOptions, to_argv
from conformance.cli.run_output import print_summary
from conformance.exitcodes import ExitCode
from conformance.reports.merge import merge_reports
from conformance.results import Redactor, Verdict, read_report


def shard_arguments(options: RunOptions) -> list[str]:
    """The ``run`` arguments every shard shares: every run option, the seed drawn once
    included (each shard gets its own --shard and --report-dir; only the merged report is
    signed)."""
    return to_argv(options)


def run_in_processes(
    args: argparse.Namespace, options: RunOptions, redactor: Redactor, prog: str
) -> int:
    count = args.workers
    shared = shard_arguments(options)
    env = {**os.environ, "NO_COLOR": "1"}
    print(f"{prog}: {count} processes, seed {options.seed}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="gdi-conformance-shards-") as temporary:
        directories = [Path(temporary) / f"shard-{index}" for index in range(1, count + 1)]
        command = [sys.executable, "-m", "conformance", "run", *shared]
        children = [
            subprocess.Popen(
                [*command, "--shard", f"{index}/{count}", "--report-dir", str(directory)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            for index, directory in enumerate(directories, start=1)
        ]

        def forward(signum: int, frame: FrameType | None) -> None:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signum)

        previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
        for signum in take_early_signals():  # a Ctrl-C while this command was starting
            forward(signum, None)
        try:
            errors = [child.communicate()[1] for child in children]
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        for index, (child, error) in enumerate(zip(children, errors, strict=True), start=1):
            lines = [line for line in error.splitlines() if line.strip()]
            if child.returncode == ExitCode.COULD_NOT_RUN:
                message = lines[-1] if lines else "a shard could not run"
                print(redactor.text(message), file=sys.stderr)
                return ExitCode.COULD_NOT_RUN
            if not (directories[index - 1] / "report.json").is_file():  # it crashed or was killed
                said = f": {lines[-1]}" if lines else ""
                print(
                    redactor.text(
                        f"{prog}: shard {index}/{count} ended without a report "
                        f"(exit code {child.returncode}){said}"
                    ),
                    file=sys.stderr,
                )
                return ExitCode.COULD_NOT_RUN
        try:
            merged = merge_reports([read_report(d / "report.json") for d in directories])
        except Exception as exc:  # a shard report missing, unreadable, or not of this run
            print(f"{prog}: the shards' reports cannot be merged: {exc}", file=sys.stderr)
            return ExitCode.COULD_NOT_RUN
    merged.budget.workers = count
    path = write_run_report(merged, args.report_dir, redactor, signing_key(args))
    print_summary(merged, path)
    if merged.verdict is Verdict.CONFORMANT:
        return ExitCode.CONFORMANT
    return ExitCode.NOT_CONFORMANT
