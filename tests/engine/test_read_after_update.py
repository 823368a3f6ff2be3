"""api:read-after-update: an update whose change a following read does not show is a stale read,
and only that. A server that keeps identifiers and timestamps its own, or normalises a value,
is not blamed for it."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from support.services import serve_asgi

from conformance.client.credentials import Subjects
from conformance.engine.checks.creation import changed_value
from conformance.engine.running.runner import RunConfig, run
from conformance.results import Outcome
from conformance.spec import load_spec

NOTE = {
    "type": "object",
    "required": ["text"],
    "properties": {
        # Neither marked readOnly: the server keeps them its own all the same.
        "id": {"type": "integer", "minimum": 1},
        "text": {"type": "string", "minLength": 1, "maxLength": 20},
        "updatedAt": {"type": "string", "format": "date-time"},
    },
}
JSON_NOTE = {"application/json": {"schema": {"$ref": "#/components/schemas/Note"}}}
SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "Notes", "version": "1.0.0"},
    "paths": {
        "/notes": {
            "post": {
                "requestBody": {"required": True, "content": JSON_NOTE},
                "responses": {"201": {"description": "made", "content": JSON_NOTE}},
            }
        },
        "/notes/{noteId}": {
            "parameters": [
                {"name": "noteId", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "get": {"responses": {"200": {"description": "it", "content": JSON_NOTE}}},
            "put": {
                "requestBody": {"required": True, "content": JSON_NOTE},
                "responses": {"204": {"description": "changed"}},
            },
            "delete": {"responses": {"204": {"description": "gone"}}},
        },
    },
    "components": {"schemas": {"Note": NOTE}},
}


def notes_app(behaviour: str) -> Starlette:
    """PUT answers 204 and then: stores the text as sent, stores it upper-cased, or forgets it."""
    notes: dict[int, dict[str, Any]] = {}
    ids = itertools.count(1)

    async def create(request: Request) -> Response:
        number = next(ids)
        sent = json.loads(await request.body())
        notes[number] = {"id": number, "text": sent["text"], "updatedAt": "2020-01-01T00:00:00Z"}
        return JSONResponse(notes[number], status_code=201)

    async def one(request: Request) -> Response:
        number = int(request.path_params["noteId"])
        if number not in notes:
            return JSONResponse({"status": 404}, status_code=404)
        if request.method == "GET":
            return JSONResponse(notes[number])
        if request.method == "DELETE":
            del notes[number]
            return Response(status_code=204)
        text = json.loads(await request.body())["text"]
        if behaviour == "normalises":
            text = text.upper()
        if behaviour != "forgets":  # id and updatedAt stay the server's own
            notes[number] = {**notes[number], "text": text, "updatedAt": "2020-01-02T00:00:00Z"}
        return Response(status_code=204)

    return Starlette(
        routes=[
            Route("/notes", create, methods=["POST"]),
            Route("/notes/{noteId}", one, methods=["GET", "PUT", "DELETE"]),
        ]
    )


@pytest.mark.parametrize(
    ("behaviour", "outcome"),
    [("stores", Outcome.PASSED), ("normalises", Outcome.SKIPPED), ("forgets", Outcome.FAILED)],
)
@pytest.mark.slow
def test_only_a_change_the_read_does_not_show_fails(
    behaviour: str, outcome: Outcome, tmp_path: Path
) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(yaml.safe_dump(SPEC), encoding="utf-8")
    with serve_asgi(notes_app(behaviour)) as base_url:
        report = run(
            RunConfig(
                spec=load_spec(spec),
                base_url=base_url,
                subjects=Subjects({}),
                seed=7,
                phases=(),
                hypothesis_dir=tmp_path / "hypothesis",
            )
        )
    check = report.check("api:read-after-update")
    assert check.outcome is outcome, (check.outcome, check.reason)
    if outcome is Outcome.FAILED:
        failure = next(
            item
            for result in report.requirements
            for item in result.failures
            if item.check == "api:read-after-update"
        )
        # Only the text is blamed: the id and the timestamp are the server's to keep.
        assert "text 'changed'" in failure.message and "updatedAt" not in failure.message
        assert "id " not in failure.message.split(" and set ")[1]


@pytest.mark.parametrize(
    ("schema", "old", "new"),
    [
        ({"type": "string", "maxLength": 3}, "abc", "cha"),
        ({"type": "string", "minLength": 10}, "x", "changedcha"),
        ({"type": "string", "format": "date"}, "2024-01-02", "2024-01-03"),
        ({"type": "string", "enum": ["open", "done"]}, "open", "done"),
        ({"type": "integer", "maximum": 5}, 5, 4),
        ({"type": "boolean"}, True, False),
        ({"type": "string", "example": "spec's own"}, "x", "spec's own"),
    ],
)
def test_a_changed_value_fits_the_schema(schema: dict[str, Any], old: Any, new: Any) -> None:
    assert changed_value(schema, old) == (True, new)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "readOnly": True},
        {"type": "string", "pattern": "^[A-Z]{4}$"},  # no value of ours is known to fit
        {"type": "string", "enum": ["only"]},
        {"type": "object"},
    ],
)
def test_no_change_where_none_is_known_to_fit(schema: dict[str, Any]) -> None:
    assert changed_value(schema, "only") == (False, None)
