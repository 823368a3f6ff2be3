"""Mutants of the tasks target: what our ``run`` and ``schemathesis run --checks all`` find.

For every mutant (fixtures/targets/tasks, one defect each, the stateful ones included: lost
write, ineffective delete, stale read after update) both run on the same spec, target and
seed, one after the other on this machine; printed side by side: the defects each detects,
the failures the CLI found that we miss (the goal is 0) and those we find that it misses, and
the median time per mutant of each (as a ratio: ours / the CLI's). The CLI's time includes
starting its process (Python and its imports); ours runs in this process, already imported,
so the ratio flatters us by that start-up (about 1-2 s of CPU per run).

    python benchmarks/mutants_vs_cli.py [--seed N] [--max-examples N] [--only FLAW,...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "engine")]

from differential import compare  # noqa: E402
from tasks_target import TARGET  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--max-examples", type=int, default=5)
    parser.add_argument("--only", help="comma-separated flaws (default: every mutant)")
    args = parser.parse_args()
    flaws = args.only.split(",") if args.only else sorted(TARGET.FLAWS)
    rows = []
    with tempfile.TemporaryDirectory(prefix="mutants-vs-cli-") as temporary:
        for flaw in flaws:
            result = compare(
                flaw, Path(temporary) / flaw, seed=args.seed, max_examples=args.max_examples
            )
            rows.append(result)
            cli = ", ".join(sorted({found.kind for found in result.cli})) or "-"
            print(
                f"{flaw:26} ours {len(result.ours):2} checks failed  cli: {cli}  "
                f"missed {len(result.missed)}  beyond {len(result.extra)}  "
                f"({result.our_seconds:.1f}s / "
                f"{result.cli_seconds:.1f}s)",
                flush=True,
            )
    ours = sum(1 for row in rows if row.ours)
    cli = sum(1 for row in rows if row.cli)
    missed = sum(len(row.missed) for row in rows)
    beyond = sum(1 for row in rows if row.ours and not row.cli)
    extra = sum(len(row.extra) for row in rows)
    our_median = statistics.median(row.our_seconds for row in rows)
    cli_median = statistics.median(row.cli_seconds for row in rows)
    print()
    print(f"mutants: {len(rows)}")
    print(f"detected: ours {ours}, schemathesis CLI {cli}")
    print(f"CLI-found failures we miss: {missed} (goal 0)")
    print(f"mutants we detect that the CLI does not: {beyond}")
    print(f"failed checks of ours with no CLI finding of their kind: {extra}")
    print(
        f"median seconds per mutant: ours {our_median:.2f}, CLI {cli_median:.2f} "
        f"(ratio {our_median / cli_median:.2f})"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
