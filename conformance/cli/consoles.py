"""The console a summary is printed on.

rich sizes a console that writes to no terminal (a log, a pipe, CI) at 80 columns, and a table
then folds requirement ids and cuts reasons. Where there is no terminal and ``COLUMNS`` is not
set, a summary gets room for its longest row instead; ``COLUMNS``, when set, always wins.
"""

from __future__ import annotations

import os

from rich.console import Console

# Columns for a summary with no terminal: more than any row needs (a table that is not
# expanded takes only the width of its contents; plain lines are not padded).
LOG_WIDTH = 1000


def summary_console(*, stderr: bool = False) -> Console:
    """The terminal's width on a terminal; ``COLUMNS`` where set; else ``LOG_WIDTH``."""
    console = Console(stderr=stderr)
    if console.is_terminal or os.environ.get("COLUMNS", "").strip().isdigit():
        return console
    return Console(stderr=stderr, width=LOG_WIDTH)
