"""The load benchmark, scaled down: concurrent clients, writes included, no 5xx, no lost write.

Not timed: the figures depend on the machine. The same code (benchmarks/blocks_load.py) is also
shown to catch a block that loses acknowledged writes and one that answers 5xx.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "blocks_load", ROOT / "benchmarks" / "blocks_load.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


LOAD = _load_benchmark()


def test_every_block_under_concurrent_load_answers_and_loses_nothing(tmp_path: Path) -> None:
    results = LOAD.load_blocks(
        tmp_path, ["identity", "messaging", "registries"], clients=4, requests=160, max_seconds=120
    )
    for result in results:
        assert result.requests == 160, result.block
        assert result.server_errors == 0, (result.block, result.statuses)
        assert result.transport_errors == [], result.block
        assert result.lost_writes == [], (result.block, result.lost_writes[:3])
        assert result.writes > 10, (result.block, result.kinds)
        assert result.percentile(0.95) > 0


def _with_mutant(monkeypatch: pytest.MonkeyPatch, block: str, factory: str) -> None:
    tests_dir = str(Path(__file__).resolve().parent)
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [tests_dir, os.environ.get("PYTHONPATH")]))
    )
    monkeypatch.setenv(f"GDI_{block.upper()}_FACTORY", f"load_mutants:{factory}")


def test_a_block_that_loses_acknowledged_writes_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _with_mutant(monkeypatch, "messaging", "messaging_losing_writes")
    (result,) = LOAD.load_blocks(tmp_path, ["messaging"], clients=4, requests=80, max_seconds=120)
    assert result.server_errors == 0
    assert result.lost_writes, "the messages acknowledged but never stored must be missed"
    assert any("is not in the inbox" in problem for problem in result.lost_writes)
    assert not result.ok


def test_a_block_that_answers_5xx_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _with_mutant(monkeypatch, "registries", "registries_failing")
    (result,) = LOAD.load_blocks(tmp_path, ["registries"], clients=4, requests=80, max_seconds=120)
    assert result.server_errors >= 80 // 5 - 2
    assert not result.ok
