"""Splitting one run over several processes or CI runners: ``run --shard INDEX/COUNT``.

The API is split by path (all operations of a path stay together, so per-path probes such as
405-with-Allow see every method the path declares). Paths are dealt out deterministically from
the spec alone: the paths with the most operations first (ties by path), each to the shard
that has the fewest operations so far (ties to the lowest index). Every shard of a run computes
the same split, so the shards together cover every operation exactly once.

Within a shard, Schemathesis's per-operation phases (examples, coverage, fuzzing) generate
requests for the shard's operations only, and active checks registered ``per_operation`` look
at those operations only. The stateful phase follows links across the whole API, so shard 1
runs it over every operation; every other active check (API-wide ones: the published OpenAPI
document, lint, building-block behaviour) runs in shard 1 alone too. Together the shards send
what one run would. ``gdi-conformance merge`` combines the shards' reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from conformance.engine.operations import OperationInfo

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


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
    """The operations ``shard`` tests, in the spec's order."""
    paths = set(split_paths(operations, shard.count)[shard.index - 1])
    return [operation for operation in operations if operation.path in paths]
