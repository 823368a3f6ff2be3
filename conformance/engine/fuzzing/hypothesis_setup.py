"""Where Hypothesis keeps its caches while the harness generates data.

Hypothesis's home directory holds only derived caches (its Unicode tables), kept per user
between runs because rebuilding them costs more CPU than a small run's whole generation; never
the working directory.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from conformance.engine.fuzzing.internals import hypothesis_home
from conformance.engine.generation.unicode_tables import prepare_codec_tables


def hypothesis_cache_dir() -> Path | None:
    """``$XDG_CACHE_HOME/gdi-conformance/hypothesis`` (``~/.cache/...``), if it can be written."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    directory = Path(base) / "gdi-conformance" / "hypothesis"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return directory if os.access(directory, os.W_OK) else None


@contextlib.contextmanager
def private_hypothesis_home(
    directory: Path | None = None, *, prefix: str = "gdi-conformance-hypothesis-"
) -> Iterator[None]:
    """Hypothesis's home is ``directory`` within the block, else the user's cache directory, else
    a temporary one (removed afterwards); what it was before, after. Its codec tables are
    written ahead (else a first run builds them with a ~200 MB peak)."""
    directory = directory or hypothesis_cache_dir()
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        with hypothesis_home(directory):
            prepare_codec_tables()
            yield
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as temporary, hypothesis_home(temporary):
        prepare_codec_tables()
        yield
