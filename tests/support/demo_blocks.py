"""A tiny building block built on the shared layer, for testing that layer (and the servers).

``create_app(settings)`` serves it under ``settings.block``'s name (so the process helpers and
``serve`` can run it through ``GDI_<BLOCK>_FACTORY=support.demo_blocks:create_app``);
``plain_app(spec_path)`` is the same routes on bare FastAPI, without the layer: the deliberately
broken counterpart the tests show failing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from building_blocks.common import Database, ProblemError, Settings, TokenVerifier
from building_blocks.common import create_app as create_block_app

VERSION = "1.4.2"
SECRET_IN_CRASH = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl 999999990"

SPEC_TEMPLATE = """\
openapi: 3.0.3
info:
  title: Demo block
  version: {version}
  contact: {{name: Demo, url: "https://example.org", email: demo@example.org}}
servers:
  - url: https://example.org/{block}/v1
paths:
  /items:
    get:
      operationId: listItems
      responses:
        "200": {{description: the items}}
    post:
      operationId: addItem
      responses:
        "201": {{description: added}}
        "400": {{description: invalid input}}
  /items/{{itemId}}:
    get:
      operationId: getItem
      parameters:
        - {{name: itemId, in: path, required: true, schema: {{type: integer}}}}
      responses:
        "200": {{description: the item}}
        "404": {{description: not found}}
    delete:
      operationId: deleteItem
      parameters:
        - {{name: itemId, in: path, required: true, schema: {{type: integer}}}}
      responses:
        "204": {{description: deleted}}
  /notes:
    get:
      operationId: listNotes
      responses:
        "200": {{description: the notes}}
    post:
      operationId: addNote
      responses:
        "201": {{description: added}}
"""

MIGRATIONS = [
    "CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL);",
]


def write_spec(path: Path, block: str, version: str = VERSION) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SPEC_TEMPLATE.format(block=block, version=version), encoding="utf-8")
    return path


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern="^[a-z]+$", max_length=20)
    count: int = Field(ge=0)
    tags: list[str] = Field(default_factory=list, max_length=3)


class Note(BaseModel):
    text: str = Field(min_length=1)


def item_routes() -> list[APIRouter]:
    """GET and POST /items on separate routers: 405's Allow must still list both."""
    reading, writing = APIRouter(), APIRouter()

    @reading.get("/items")
    async def list_items(limit: Annotated[int, Query(ge=1, le=100)] = 10) -> dict[str, Any]:
        return {"items": [], "limit": limit}

    @writing.post("/items", status_code=201)
    async def add_item(item: Item) -> Item:
        return item

    @reading.get("/items/{itemId}")
    async def get_item(itemId: int) -> dict[str, Any]:
        if itemId == 404:
            raise ProblemError(404, "Not Found", "No item 404.", itemId=itemId)
        return {"id": itemId}

    @writing.delete("/items/{itemId}", status_code=204)
    async def delete_item(itemId: int) -> None:
        if itemId == 405:  # a block refusing a method itself: Allow is filled in for it
            raise ProblemError(405, detail="Item 405 cannot be deleted.")
        return None

    @reading.get("/crash")
    async def crash() -> None:
        raise RuntimeError(f"database password=hunter2 token {SECRET_IN_CRASH}")

    @reading.get("/crash-midway")
    async def crash_midway() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            yield b'{"partial":'
            await asyncio.sleep(0)
            raise RuntimeError(f"failed midway {SECRET_IN_CRASH}")

        return StreamingResponse(chunks(), media_type="application/json")

    return [reading, writing]


def create_app(settings: Settings) -> Any:
    """The demo block under ``settings.block``'s name, with a durable /notes collection."""
    spec_path = write_spec(settings.data_dir / "openapi.yaml", settings.block)
    db_holder: dict[str, Database] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db_holder["db"] = Database(settings.data_dir / "demo.sqlite3", MIGRATIONS)
        yield
        db_holder.pop("db").close()

    notes = APIRouter()

    @notes.post("/notes", status_code=201)
    def add_note(note: Note) -> dict[str, Any]:
        with db_holder["db"].transaction() as conn:
            cursor = conn.execute("INSERT INTO note (text) VALUES (?)", (note.text,))
        return {"id": cursor.lastrowid, "text": note.text}

    @notes.get("/notes")
    def list_notes() -> dict[str, Any]:
        rows = db_holder["db"].query("SELECT id, text FROM note ORDER BY id")
        return {"notes": [dict(row) for row in rows]}

    routers = [*item_routes(), notes]
    if settings.identity_url:
        verifier = TokenVerifier.from_settings(settings, audience="urn:nld:gdi:demo")
        protected = APIRouter()

        @protected.get("/protected")
        async def read_protected(token=Depends(verifier.require("demo:read"))) -> dict[str, Any]:  # noqa: B008
            return {"sub": token.subject, "scopes": sorted(token.scopes)}

        routers.append(protected)
    return create_block_app(
        block=settings.block, spec_path=spec_path, routers=routers, lifespan=lifespan
    )


def plain_app(spec_path: Path, block: str = "demo") -> FastAPI:
    """The same item routes on bare FastAPI (defaults everywhere): what the layer prevents."""
    app = FastAPI()
    for router in item_routes():
        app.include_router(router, prefix=f"/{block}/v1")
    return app
