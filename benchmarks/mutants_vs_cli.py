"""Every mutant in fixtures/: what our ``run`` and ``schemathesis run --checks all`` find.

The set is every flaw of the tasks target (fixtures/targets/tasks: one defect each, the
stateful ones included) and every mutant of a reference block (fixtures/mutants, served
through ``GDI_<BLOCK>_FACTORY``, tokens from a reference identity block). For each, both run
on the same spec, target, seed and number of examples, one after the other on this machine,
each on a fresh instance. Printed side by side: the mutants each detects, the failures the
CLI found that we miss (the goal is 0), and the median time per mutant of each, as a ratio
(ours / the CLI's).

A tasks mutant counts as detected by a side that reports any failure (the reference tasks
target has none); a block mutant, by ours when its defect's check fails, by the CLI when it
reports a failure it does not report on the reference block. The CLI's time includes
starting its process (Python and its imports, about 1-2 s of CPU); ours runs in this
process, already imported. The CLI is taught the GDI string formats (tests/engine/cli_formats).

    python benchmarks/mutants_vs_cli.py [--set all|tasks|blocks] [--seed N]
        [--max-examples N] [--block-examples N] [--only NAME,...]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "engine")]

import support.checkout  # noqa: E402, F401  (fixtures/ importable)
from differential import Comparison, compare, compare_block  # noqa: E402
from mutant_support import identity_service  # noqa: E402
from tasks_target import TARGET  # noqa: E402

from fixtures.mutants.behaviour_catalog import BEHAVIOUR_MUTANTS  # noqa: E402
from fixtures.mutants.catalog import MUTANTS, Mutant  # noqa: E402
from fixtures.mutants.identity_catalog import IDENTITY_MUTANTS  # noqa: E402

BLOCK_MUTANTS = sorted(
    {m.name: m for m in (*MUTANTS, *BEHAVIOUR_MUTANTS, *IDENTITY_MUTANTS)}.values(),
    key=lambda mutant: (mutant.block, mutant.name),
)


@dataclass(slots=True)
class Row:
    target: str  # "tasks", or the block
    name: str
    comparison: Comparison
    ours_detects: bool
    cli_detects: bool


def tasks_rows(names: list[str], seed: int, examples: int, scratch: Path) -> Iterator[Row]:
    for flaw in names:
        result = compare(flaw, scratch / flaw, seed=seed, max_examples=examples)
        yield Row("tasks", flaw, result, bool(result.ours), bool(result.cli))


def block_rows(mutants: list[Mutant], seed: int, examples: int, scratch: Path) -> Iterator[Row]:
    if not mutants:
        return
    (scratch / "identity").mkdir(parents=True)
    with identity_service(scratch / "identity") as identity_url:
        references: dict[str, set[tuple[str, tuple[str, ...]]]] = {}
        for mutant in mutants:
            if mutant.block not in references:
                reference = compare_block(
                    None,
                    mutant.block,
                    identity_url,
                    scratch / f"{mutant.block}-reference",
                    seed=seed,
                    max_examples=examples,
                )
                references[mutant.block] = {(f.kind, f.operations) for f in reference.cli}
            result = compare_block(
                mutant,
                mutant.block,
                identity_url,
                scratch / mutant.name,
                seed=seed,
                max_examples=examples,
            )
            new = {(f.kind, f.operations) for f in result.cli} - references[mutant.block]
            yield Row(mutant.block, mutant.name, result, mutant.check in result.ours, bool(new))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("all", "tasks", "blocks"), default="all")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--max-examples", type=int, default=5, help="tasks target mutants")
    parser.add_argument("--block-examples", type=int, default=1, help="block mutants")
    parser.add_argument("--only", help="comma-separated flaws or mutant names")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    flaws = [f for f in sorted(TARGET.FLAWS) if only is None or f in only]
    blocks = [m for m in BLOCK_MUTANTS if only is None or m.name in only]
    if args.set == "blocks":
        flaws = []
    if args.set == "tasks":
        blocks = []
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="mutants-vs-cli-") as temporary:
        scratch = Path(temporary)
        for row in itertools.chain(
            tasks_rows(flaws, args.seed, args.max_examples, scratch / "tasks"),
            block_rows(blocks, args.seed, args.block_examples, scratch / "blocks"),
        ):
            rows.append(row)
            result = row.comparison
            cli = ", ".join(sorted({found.kind for found in result.cli})) or "-"
            print(
                f"{row.name:36} ours {'detects' if row.ours_detects else 'misses '} "
                f"cli {'detects' if row.cli_detects else 'misses '} "
                f"missed {len(result.missed)}  cli: {cli}  "
                f"({result.our_seconds:.1f}s / {result.cli_seconds:.1f}s)",
                flush=True,
            )
    if not rows:
        print("no mutant selected")
        return 2
    missed = sum(len(row.comparison.missed) for row in rows)
    our_median = statistics.median(row.comparison.our_seconds for row in rows)
    cli_median = statistics.median(row.comparison.cli_seconds for row in rows)
    print()
    print(f"mutants: {len(rows)} ({len(flaws)} of the tasks target, {len(blocks)} of the blocks)")
    print(
        f"detected: ours {sum(row.ours_detects for row in rows)}, "
        f"schemathesis CLI {sum(row.cli_detects for row in rows)}"
    )
    print(f"CLI-found failures we miss: {missed} (goal 0)")
    beyond = sum(row.ours_detects and not row.cli_detects for row in rows)
    behind = sum(row.cli_detects and not row.ours_detects for row in rows)
    print(f"mutants we detect that the CLI does not: {beyond}; the reverse: {behind}")
    print(
        f"median seconds per mutant: ours {our_median:.2f}, CLI {cli_median:.2f} "
        f"(ratio {our_median / cli_median:.2f})"
    )
    for target, group in itertools.groupby(rows, key=lambda row: row.target):
        times = list(group)
        ours = statistics.median(row.comparison.our_seconds for row in times)
        theirs = statistics.median(row.comparison.cli_seconds for row in times)
        print(
            f"  {target:12} {len(times):3} mutants: ours {ours:.2f}s, CLI {theirs:.2f}s "
            f"(ratio {ours / theirs:.2f})"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
