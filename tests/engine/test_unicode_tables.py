"""Hypothesis's codec tables, prepared without its memory spike, are the ones it builds itself."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import hypothesis.configuration
import pytest
from hypothesis.internal.charmap import charmap_file

from conformance.engine.generation.unicode_tables import codec_table, prepare_codec_tables


@pytest.fixture
def home(tmp_path: Path):
    previous = vars(hypothesis.configuration).get("__hypothesis_home_directory")
    hypothesis.configuration.set_hypothesis_home_dir(tmp_path)
    try:
        yield tmp_path
    finally:
        hypothesis.configuration.set_hypothesis_home_dir(previous)


def test_the_tables_are_written_where_hypothesis_reads_them(home: Path) -> None:
    prepare_codec_tables()
    utf8 = json.loads(gzip.decompress(charmap_file("codec-v2-utf-8").read_bytes()))
    assert utf8 == [[[0, 0xD7FF], [0xE000, 0x10FFFF]], []]  # every code point but surrogates
    ascii_ = json.loads(gzip.decompress(charmap_file("codec-v2-ascii").read_bytes()))
    assert ascii_ == [[[0, 127]], []]
    written = charmap_file("codec-v2-utf-8").stat().st_mtime_ns
    prepare_codec_tables()  # present: left alone
    assert charmap_file("codec-v2-utf-8").stat().st_mtime_ns == written


@pytest.mark.slow  # seconds of work: the full lane runs it
def test_runs_follow_the_codec_including_lossy_characters() -> None:
    encodable, lossy = codec_table("shift_jis")
    assert encodable[0][0] == 0 and all(first <= last for first, last in encodable)
    assert any(first <= 0xA5 <= last for first, last in lossy)  # the yen sign decodes as "\\"
    assert not any(first <= 0xD800 <= last for first, last in encodable)


def test_the_tables_equal_what_hypothesis_computes() -> None:
    from hypothesis.internal.charmap import intervals_from_codec

    for codec in ("utf-8", "ascii"):
        encodable, lossy = intervals_from_codec(codec)
        mine = codec_table(codec)
        assert encodable.intervals == tuple(tuple(run) for run in mine[0])
        assert lossy.intervals == tuple(tuple(run) for run in mine[1])
