"""Broken variants of reference blocks for the load test (served via GDI_<BLOCK>_FACTORY).

- ``messaging_losing_writes``: every fourth message send is acknowledged (201 with an id) but
  never stored: a lost write.
- ``registries_failing``: every fifth request answers 500.
"""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Any

from building_blocks.common import Settings


class _EveryNth:
    def __init__(self, app: Any, every: int, applies: Any, answer: Any) -> None:
        self.app = app
        self.every = every
        self.applies = applies
        self.answer = answer
        self.counter = itertools.count(1)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self.applies(scope) and next(self.counter) % self.every == 0:
            while (await receive()).get("more_body"):
                pass
            status, body = self.answer()
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": json.dumps(body).encode()})
            return
        await self.app(scope, receive, send)


def messaging_losing_writes(settings: Settings) -> Any:
    from building_blocks.messaging import create_app

    return _EveryNth(
        create_app(settings),
        4,
        lambda scope: scope["method"] == "POST" and scope["path"].endswith("/messages"),
        lambda: (201, {"id": str(uuid.uuid4())}),
    )


def registries_failing(settings: Settings) -> Any:
    from building_blocks.registries import create_app

    return _EveryNth(
        create_app(settings),
        5,
        lambda scope: not scope["path"].endswith("/openapi.json"),
        lambda: (500, {"status": 500, "title": "Internal Server Error", "detail": "broken"}),
    )
