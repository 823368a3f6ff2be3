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


@functools.cache  # a few kB; a temporary Hypothesis home gets its file again in no time
def codec_table(codec: str) -> tuple[list[list[int]], list[list[int]]]:
    """(encodable, encodable but not decoded back to the same character), as runs [first, last],
    by the same test Hypothesis applies to each code point."""
    encodable: list[list[int]] = []
    lossy: list[list[int]] = []
    for code_point in range(sys.maxunicode + 1):
        char = chr(code_point)
        try:
            encoded = char.encode(codec)
        except Exception:  # usually UnicodeEncodeError, not always (as in Hypothesis)
            continue
        _extend(encodable, code_point)
        try:
            roundtrips = encoded.decode(codec) == char
        except Exception:
            roundtrips = False
        if not roundtrips:
            _extend(lossy, code_point)
    return encodable, lossy


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
