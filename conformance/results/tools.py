"""The versions of the tools a report was made with.

Read from the installed distributions, so that naming Schemathesis's version does not import
it (a life-event report is made without Schemathesis ever loading).
"""

from __future__ import annotations

import platform
from importlib.metadata import version

from conformance import __version__
from conformance.results.model import ToolVersions


def tool_versions() -> ToolVersions:
    return ToolVersions(
        gdi_conformance=__version__,
        schemathesis=version("schemathesis"),
        hypothesis=version("hypothesis"),
        openapi_core=version("openapi-core"),
        python=platform.python_version(),
    )
