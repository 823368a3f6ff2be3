"""Splitting one run over several processes or CI runners: ``run --shard INDEX/COUNT``.

Each shard computes the same split from the spec alone, so the shards together cover every
operation exactly once:

- Generation (Schemathesis's examples, coverage and fuzzing phases) is split by operation: the
  operations, in label order, dealt one by one. A shard generates cases for its own operations
  with the run's seed, so together the shards send what one run would; an API of few paths
  with several methods each is spread over every shard too.
- Active checks registered ``per_operation`` are split by path (all operations of a path stay
  together, so per-path probes such as 405-with-Allow see every method the path declares):
  the paths with the most operations first (ties by path), each to the shard that has the
  fewest operations so far (ties to the lowest index).
- The stateful phase follows links across the whole API, so every shard runs it over every
  operation: each its share of the scenarios, with a seed of its own derived from the run's.
  The longest phase is split too; a run with ``--workers N`` repeats exactly with the same
  seed and the same N.
- Every other active check (API-wide ones: the published OpenAPI document, lint,
  building-block behaviour) runs in shard 1 alone.

``gdi-conformance merge`` combines the shards' reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from conformance.engine.openapi.operations import OperationInfo

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
# Schemathesis seeds successive stateful suites of one run with seed, seed + 1, ...; shards
# keep far enough apart that their suites never share a seed.
_STATEFUL_SEED_STRIDE = 1_000_003


@dataclass(frozen=True, slots=True)
class Shard:
    index: int  # 1-based
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 1 <= self.index <= self.count:
            raise ValueError(f"shard {self.index}/{self.count}: expected 1 <= INDEX <= COUNT")

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"2/4"`` -> Shard(2, 4); ValueError with a readable message otherwise."""
        match = _SHARD.match(text)
        if not match:
            raise ValueError(f"{text!r}: expected INDEX/COUNT, e.g. 1/4")
        return cls(int(match[1]), int(match[2]))

    @property
    def first(self) -> bool:
        return self.index == 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def stateful_share(self, max_examples: int) -> int:
        """This shard's stateful scenarios: together the shards run ``max_examples`` (>= 1 each)."""
        base, extra = divmod(max_examples, self.count)
        return max(1, base + (1 if self.index <= extra else 0))

    def stateful_seed(self, seed: int) -> int:
        """The seed of this shard's stateful phase: the run's for shard 1 (so shard 1/1 is the
        plain run), another derived from it for each other shard, so their scenarios differ."""
        return (seed + _STATEFUL_SEED_STRIDE * (self.index - 1)) % 2**32


def split_paths(operations: list[OperationInfo], count: int) -> list[list[str]]:
    """The paths of each of ``count`` shards (index 0 is shard 1), each list sorted."""
    sizes: dict[str, int] = {}
    for operation in operations:
        sizes[operation.path] = sizes.get(operation.path, 0) + 1
    shards: list[list[str]] = [[] for _ in range(count)]
    loads = [0] * count
    for path in sorted(sizes, key=lambda item: (-sizes[item], item)):
        target = min(range(count), key=lambda index: (loads[index], index))
        shards[target].append(path)
        loads[target] += sizes[path]
    return [sorted(paths) for paths in shards]


def shard_operations(operations: list[OperationInfo], shard: Shard) -> list[OperationInfo]:
    """The operations whose per-operation probes ``shard`` runs (split by path), in the spec's
    order."""
    paths = set(split_paths(operations, shard.count)[shard.index - 1])
    return [operation for operation in operations if operation.path in paths]


def shard_generated_operations(
    operations: list[OperationInfo], shard: Shard
) -> list[OperationInfo]:
    """The operations ``shard`` generates cases for (examples, coverage, fuzzing), in the spec's
    order: dealt one by one in label order, so an API of few paths with many methods is spread
    over every shard too. Generation needs no path kept together."""
    labels = sorted(operation.label for operation in operations)
    mine = set(labels[shard.index - 1 :: shard.count])
    return [operation for operation in operations if operation.label in mine]
