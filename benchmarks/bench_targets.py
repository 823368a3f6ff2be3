"""Targets for the benchmarks, with a request counter that no tool under test can influence.

Every app here is wrapped in ``Counted``: it counts the HTTP requests it receives and answers
``GET /__bench/requests`` (outside any API base path) with ``{"requests": N}``, so a benchmark
measures every tool by the same neutral count of what reached the server.

- ``python benchmarks/bench_targets.py tasks [--flaws a,b] [--tasks N] [--latency-ms L]``: the
  engine's tasks target (fixtures/targets/tasks) under uvicorn on a free loopback port; prints
  its base URL. ``--latency-ms`` makes every API answer wait L ms without using CPU, as a
  network and a database do for a deployed implementation.
- ``counted_registries`` / ``counted_messaging``: factories for ``GDI_<BLOCK>_FACTORY``, so the
  reference blocks started by the serve machinery are counted as well.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

COUNT_PATH = "/__bench/requests"
TASKS_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "targets" / "tasks"
TASKS_BASE = "/tasks/v1"


class Counted:
    """ASGI middleware: counts requests; answers the count at ``COUNT_PATH``."""

    def __init__(self, app: Any, latency_s: float = 0.0) -> None:
        self.app = app
        self.requests = 0
        self.latency_s = latency_s

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == COUNT_PATH:
            body = json.dumps({"requests": self.requests}).encode()
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        if scope["type"] == "http":
            self.requests += 1
            if self.latency_s:
                await asyncio.sleep(self.latency_s)
        await self.app(scope, receive, send)


def tasks_app(flaws: list[str], tasks: int) -> Any:
    spec = importlib.util.spec_from_file_location("bench_tasks_app", TASKS_DIR / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.create_app(flaws=flaws, tokens=("token-bench",), tasks=tasks)


def counted_registries(settings: Any) -> Any:
    from building_blocks.registries import create_app

    return Counted(create_app(settings))


def counted_messaging(settings: Any) -> Any:
    from building_blocks.messaging import create_app

    return Counted(create_app(settings))


def main() -> int:
    import uvicorn

    from building_blocks.common.server import bind_socket

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target", choices=["tasks"])
    parser.add_argument("--flaws", default="", help="comma-separated flaws of the tasks target")
    parser.add_argument("--tasks", type=int, default=0, help="tasks the target starts with")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="wait before answering")
    args = parser.parse_args()
    flaws = [f for f in args.flaws.split(",") if f]
    app = Counted(tasks_app(flaws, args.tasks), args.latency_ms / 1000)
    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    print(f"http://127.0.0.1:{port}{TASKS_BASE}", flush=True)
    config = uvicorn.Config(app, log_level="error", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
