"""Hypothesis's tables of the characters a codec can encode, built without its memory spike.

The first time Hypothesis needs text encodable in a codec (Schemathesis asks for UTF-8 and, for
headers, ASCII), it lists every one of the 1.1 million code points, one tuple each (~200 MB of
resident memory at the peak for UTF-8), then caches the result in its home directory.
``prepare_codec_tables`` builds the same table as runs of code points (a few kB) and writes it
where Hypothesis looks, so the first run on a fresh machine (a CI runner, say) takes no more
memory than later ones. The file's name and format are Hypothesis's own and private: without
``charmap_file`` (another version), nothing is written and Hypothesis builds the table itself.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import gzip
import json
import os
import sys
import tempfile
from collections.abc import Iterable

from conformance.engine.fuzzing.internals import codec_table_file

CODECS = ("utf-8", "ascii")


def _extend(runs: list[list[int]], code_point: int) -> None:
    if runs and runs[-1][1] == code_point - 1:
        runs[-1][1] = code_point
    else:
        runs.append([code_point, code_point])


# Codecs that encode each character on its own and decode the bytes back the same way: a
# range of characters that encodes and round-trips as one string does so character by
# character, so whole ranges can be judged at once (milliseconds instead of seconds).
_PER_CHARACTER = frozenset({"utf-8", "ascii", "iso8859-1"})


@functools.cache  # a few kB; a temporary Hypothesis home gets its file again in no time
def codec_table(codec: str) -> tuple[list[list[int]], list[list[int]]]:
    """(encodable, encodable but not decoded back to the same character), as runs [first, last],
    by the same test Hypothesis applies to each code point."""
    encodable: list[list[int]] = []
    lossy: list[list[int]] = []
    if codecs.lookup(codec).name in _PER_CHARACTER:
        _judge_range(codec, 0, sys.maxunicode, encodable, lossy)
    else:
        for code_point in range(sys.maxunicode + 1):
            _judge(codec, code_point, encodable, lossy)
    return encodable, lossy


def _judge(codec: str, code_point: int, encodable: list[list[int]], lossy: list[list[int]]) -> None:
    char = chr(code_point)
    try:
        encoded = char.encode(codec)
    except Exception:  # usually UnicodeEncodeError, not always (as in Hypothesis)
        return
    _extend(encodable, code_point)
    try:
        roundtrips = encoded.decode(codec) == char
    except Exception:
        roundtrips = False
    if not roundtrips:
        _extend(lossy, code_point)


def _judge_range(
    codec: str, first: int, last: int, encodable: list[list[int]], lossy: list[list[int]]
) -> None:
    """Runs for first..last, in order. An encoding error names where the characters it cannot
    encode start and end: what comes before is encodable, that run is skipped; an encodable
    range that does not round-trip as a whole is halved (down to single code points, judged
    as Hypothesis does)."""
    whole = "".join(map(chr, range(first, last + 1)))
    position = first
    while position <= last:
        text = whole[position - first :]
        try:
            encoded: bytes | None = text.encode(codec)
            good, skip = last, last + 1
        except UnicodeEncodeError as error:
            encoded = None
            good, skip = position + error.start - 1, position + error.end
        if good >= position:
            part = text if encoded is not None else text[: good - position + 1]
            _judge_encodable(codec, position, good, encodable, lossy, part, encoded)
        position = skip


def _judge_encodable(
    codec: str,
    first: int,
    last: int,
    encodable: list[list[int]],
    lossy: list[list[int]],
    text: str,
    encoded: bytes | None = None,
) -> None:
    """``text`` is the characters first..last; ``encoded`` its encoding, if known."""
    if first == last:
        _judge(codec, first, encodable, lossy)
        return
    try:
        encoded = text.encode(codec) if encoded is None else encoded
        roundtrips = encoded.decode(codec) == text
    except Exception:
        roundtrips = False
    if roundtrips:
        _extend_run(encodable, first, last)
        return
    middle = (first + last) // 2
    cut = middle - first + 1
    _judge_encodable(codec, first, middle, encodable, lossy, text[:cut])
    _judge_encodable(codec, middle + 1, last, encodable, lossy, text[cut:])


def _extend_run(runs: list[list[int]], first: int, last: int) -> None:
    if runs and runs[-1][1] == first - 1:
        runs[-1][1] = last
    else:
        runs.append([first, last])


def prepare_codec_tables(names: Iterable[str] = CODECS) -> None:
    """Write the missing tables into Hypothesis's current home directory (best effort)."""
    for name in names:
        codec = codecs.lookup(name).name
        with contextlib.suppress(OSError):
            path = codec_table_file(codec)
            if path is None:
                return
            if path.exists():
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".codec-")
            try:
                # As Hypothesis writes it (a fixed mtime keeps the file reproducible).
                with (
                    os.fdopen(handle, "wb") as raw,
                    gzip.GzipFile(fileobj=raw, mode="wb", mtime=1) as out,
                ):
                    out.write(json.dumps(codec_table(codec)).encode())
                os.replace(temporary, path)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temporary)
