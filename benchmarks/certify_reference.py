"""Benchmark: wall time and peak memory of ``gdi-conformance certify --reference``.

Runs the command as a child process (it starts the three reference blocks as its own children)
and samples the resident memory of the whole process tree every ``--interval`` seconds from
/proc, so the peak covers the harness and the blocks together. Targets on a 2-core machine:
at most 120 s and 300 MB.

    python benchmarks/certify_reference.py [--seed 1] [--max-examples N] [-- EXTRA ARGS]

This is a measurement, not a test: it prints the figures, the verdict per block and whether
the targets were met; the exit code is the command's own (0 all certified, 1 not, 2 could
not run). Wall time on a shared machine also measures the neighbours: the load average
before and after is printed with it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 120.0
TARGET_MB = 300.0
PAGE = os.sysconf("SC_PAGE_SIZE")


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(item) for item in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return found


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants (0 for processes already gone)."""
    total, pending, seen = 0, [root], set()
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            resident_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, ValueError, IndexError):
            continue
        total += resident_pages * PAGE
        pending += _children(pid)
    return total


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-examples", type=int, default=None)
    parser.add_argument("--interval", type=float, default=0.1, help="sampling period in seconds")
    parser.add_argument("extra", nargs="*", help="further arguments for 'certify'")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gdi-certify-bench-") as temporary:
        out = Path(temporary) / "reports"
        command = [sys.executable, "-m", "conformance", "certify", "--reference"]
        command += ["--report-dir", str(out), "--seed", str(args.seed)]
        if args.max_examples is not None:
            command += ["--max-examples", str(args.max_examples)]
        command += args.extra
        before = load_average()
        started = time.monotonic()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak = 0
        while child.poll() is None:
            peak = max(peak, tree_rss(child.pid))
            time.sleep(args.interval)
        wall = time.monotonic() - started
        verdicts = {}
        matrix = out / "matrix.json"
        if matrix.is_file():
            for row in json.loads(matrix.read_text())["rows"]:
                for block, cell in row["cells"].items():
                    verdicts[block] = f"{cell['verdict']} ({cell['score']})" if cell else "-"
    mb = peak / 1e6
    print(f"command:      {' '.join(command[1:])}")
    print(f"exit code:    {child.returncode}")
    print(f"wall time:    {wall:.1f} s (target <= {TARGET_SECONDS:.0f} s)")
    print(f"peak RSS:     {mb:.0f} MB of the whole process tree (target <= {TARGET_MB:.0f} MB)")
    print(f"load average: {before} before, {load_average()} after (1, 5, 15 min)")
    for block, verdict in verdicts.items():
        print(f"{block + ':':<13} {verdict}")
    met = wall <= TARGET_SECONDS and mb <= TARGET_MB
    print("targets:      " + ("met" if met else "NOT met"))
    return child.returncode


if __name__ == "__main__":
    raise SystemExit(main())
