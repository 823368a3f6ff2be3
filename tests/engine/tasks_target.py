"""The tasks fixture target (fixtures/targets/tasks) for engine tests, served by real uvicorn on
loopback; each flawed variant breaks exactly one rule."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from support.services import serve_asgi

from conformance.client.credentials import StaticHeaders, Subjects
from conformance.results import RunReport

TARGET_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "targets" / "tasks"
TOKEN = "token-alice-0123456789"
BASE_PATH = "/tasks/v1"

RunTarget = Callable[..., RunReport]  # run_target(*flaws, **RunConfig options)
CONFORMANCE = [sys.executable, "-m", "conformance"]  # the command line, as a process of its own


def run_arguments(base_url: str, *options: str) -> list[str]:
    """The arguments of ``gdi-conformance run`` against the tasks target at ``base_url`` with
    its token, followed by ``options``."""
    spec = str(TARGET_DIR / "openapi.yaml")
    authorization = f"Authorization: Bearer {TOKEN}"
    return ["run", "--spec", spec, "--base-url", base_url, "--header", authorization, *options]


def _load_target() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tasks_target_app", TARGET_DIR / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TARGET = _load_target()


@contextmanager
def serve_tasks(*flaws: str) -> Iterator[tuple[str, Any]]:
    """(base URL, app) of a fresh tasks target with the given flaws."""
    app = TARGET.create_app(flaws=flaws, tokens=(TOKEN,))
    with serve_asgi(app) as origin:
        yield origin + BASE_PATH, app


def credentials() -> Subjects:
    return Subjects({"primary": StaticHeaders({"Authorization": f"Bearer {TOKEN}"})})
