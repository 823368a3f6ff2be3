"""The memory tuning certify applies to itself and to the blocks it starts."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conformance.cli.memory import child_environment


def test_children_get_the_same_malloc_tuning_unless_set() -> None:
    env = child_environment({"PATH": "/bin", "MALLOC_ARENA_MAX": "4"})
    assert env["MALLOC_ARENA_MAX"] == "4"  # what the user set stays
    assert env["MALLOC_MMAP_THRESHOLD_"] == env["MALLOC_TRIM_THRESHOLD_"] == str(128 * 1024)
    assert env["PATH"] == "/bin"


@pytest.mark.slow
def test_tuning_and_release_work_in_a_fresh_process() -> None:
    # In a child: the settings stay with the process that makes them.
    code = (
        "from conformance.cli.memory import limit_malloc_arenas, release_memory\n"
        "assert limit_malloc_arenas()\n"
        "release_memory()\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
