"""Hypothesis's setup for a run: derived caches in the user's cache, no harness constants."""

from __future__ import annotations

from pathlib import Path

import hypothesis.internal.conjecture.providers as providers
import pytest

from conformance.engine.fuzzing.hypothesis_setup import hypothesis_cache_dir
from conformance.engine.fuzzing.internals import without_local_constants


def test_the_cache_directory_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert hypothesis_cache_dir() == tmp_path / "cache" / "gdi-conformance" / "hypothesis"
    assert (tmp_path / "cache" / "gdi-conformance" / "hypothesis").is_dir()


def test_an_unusable_cache_directory_means_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert hypothesis_cache_dir() is None


def test_no_constants_of_local_source_while_a_run_lasts() -> None:
    original = providers._get_local_constants
    with without_local_constants():
        assert len(providers._get_local_constants()) == 0
        with without_local_constants():  # nested runs (threads) share the switch
            assert len(providers._get_local_constants()) == 0
        assert providers._get_local_constants is not original
    assert providers._get_local_constants is original
