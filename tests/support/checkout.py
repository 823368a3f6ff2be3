"""This checkout's fixtures/ (mutants, hostile servers): test material that is not installed.

Importing this module makes ``fixtures`` importable, after whatever is installed, so that the
tests still exercise the installed ``conformance``. ``importable_fixtures()`` is a directory
for the PYTHONPATH of child processes that holds only a link to fixtures/, so that they too
import the mutants from the checkout and everything else as installed.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import sys
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]

if str(REPOSITORY) not in sys.path:
    sys.path.append(str(REPOSITORY))


@functools.cache
def importable_fixtures() -> str:
    directory = Path(tempfile.mkdtemp(prefix="gdi-fixtures-"))
    (directory / "fixtures").symlink_to(REPOSITORY / "fixtures", target_is_directory=True)
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return str(directory)
