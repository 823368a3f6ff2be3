"""adr:pagination: passes on a target that pages correctly, fails on each way of paging wrongly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from support.services import serve_asgi
from tasks_target import BASE_PATH, TARGET, TOKEN, credentials

from conformance.client.credentials import Subjects
from conformance.engine.checks.active import ActiveContext
from conformance.engine.checks.pagination import pagination
from conformance.engine.openapi.datetimes import SchemaWalker
from conformance.engine.openapi.operations import list_operations
from conformance.engine.openapi.paging import identity, items_path, next_cursor, paged_operations
from conformance.engine.running.runner import RunConfig, run
from conformance.httplimits import HttpClient
from conformance.results import Outcome, RunReport
from conformance.spec import LoadedSpec

TASKS = 7  # pages of 2: three full pages and a short one


def run_paged(spec: LoadedSpec, tmp_path: Path, *flaws: str, tasks: int = TASKS) -> RunReport:
    app = TARGET.create_app(flaws=flaws, tokens=(TOKEN,), tasks=tasks)
    with serve_asgi(app) as origin:
        return run(
            RunConfig(
                spec=spec,
                base_url=origin + BASE_PATH,
                subjects=credentials(),
                seed=3,
                max_examples=1,
                phases=("examples",),
                hypothesis_dir=tmp_path / "hypothesis",
            )
        )


@pytest.mark.parametrize("tasks", [TASKS, 6, 0])
@pytest.mark.slow
def test_correct_paging_passes(tasks_spec: LoadedSpec, tmp_path: Path, tasks: int) -> None:
    report = run_paged(tasks_spec, tmp_path, tasks=tasks)
    check = report.check("adr:pagination")
    assert check.outcome is Outcome.PASSED, report.requirement("GDI-GEN-017").failures
    # page size, totals, stable order, the walk and a page past the last: five judgements
    assert check.cases == 5
    assert report.requirement("GDI-GEN-017").outcome is Outcome.PASSED


FLAWS = [
    ("ignores-page-size", "Page size not respected", "asked for 2 items per page, got 3"),
    ("overlapping-pages", "Items lost or repeated across pages", "met 1 item(s) twice"),
    ("wrong-total", "Totals disagree with the items", "hold 7 items, the collection says 8"),
    ("unstable-order", "Order not stable", "same request twice gave different items"),
    ("items-past-last-page", "Out-of-range page not handled as declared", "page 5"),
]


@pytest.mark.parametrize(("flaw", "title", "says"), FLAWS, ids=[f for f, _, _ in FLAWS])
@pytest.mark.slow
def test_broken_paging_fails(
    tasks_spec: LoadedSpec, tmp_path: Path, flaw: str, title: str, says: str
) -> None:
    report = run_paged(tasks_spec, tmp_path, flaw)
    result = report.requirement("GDI-GEN-017")
    assert result.outcome is Outcome.FAILED
    found = [item for item in result.failures if item.title == title]
    assert found, [item.title for item in result.failures]
    assert says in found[0].message
    assert found[0].operation == "GET /tasks"
    assert found[0].request is not None and "pageSize=" in found[0].request.url
    # The other ADR runtime rules are untouched by a paging flaw.
    assert report.requirement("GDI-GEN-004").outcome is Outcome.PASSED
    assert report.requirement("GDI-GEN-016").outcome is Outcome.PASSED


# -- cursor style, and a collection read with POST and an example body -----------------------
ITEMS = [{"id": f"item-{number:02d}", "n": number} for number in range(1, 6)]


def cursor_app(repeat_on_next_page: bool) -> Starlette:
    """cursor+limit paging; the flawed variant starts each next page one item too early."""

    async def items(request: Request) -> JSONResponse:
        limit = int(request.query_params.get("limit", "2"))
        cursor = request.query_params.get("cursor")
        if cursor is not None and not cursor.startswith("c"):
            return JSONResponse({"status": 400, "title": "Bad Request"}, status_code=400)
        start = int(cursor[1:]) if cursor else 0
        if cursor and repeat_on_next_page:
            start -= 1
        page = ITEMS[start : start + limit]
        end = start + len(page)
        body: dict[str, Any] = {"items": page}
        if end < len(ITEMS):
            body["_links"] = {"next": {"href": f"/api/items?cursor=c{end}&limit={limit}"}}
        return JSONResponse(body)

    async def search(request: Request) -> JSONResponse:
        query = json.loads(await request.body())
        size = int(request.query_params.get("pageSize", "2"))
        page = int(request.query_params.get("page", "1"))
        hits = [item for item in ITEMS if item["n"] >= query["from"]]
        return JSONResponse(
            {"results": hits[(page - 1) * size : page * size], "meta": {"total": len(hits)}}
        )

    return Starlette(
        routes=[Route("/api/items", items), Route("/api/searches", search, methods=["POST"])]
    )


SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "Cursor paging", "version": "1.0.0"},
    "paths": {
        "/items": {
            "get": {
                "operationId": "listItems",
                "parameters": [
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 50},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "a page",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "items": {"type": "array", "items": {"type": "object"}},
                                        "_links": {"type": "object"},
                                    },
                                }
                            }
                        },
                    },
                    "400": {"description": "bad cursor"},
                },
            }
        },
        "/searches": {
            "post": {
                "operationId": "search",
                "parameters": [
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                    {
                        "name": "pageSize",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 20},
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"type": "object"},
                            "examples": {"fromTwo": {"value": {"from": 2}}},
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "hits",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "meta": {"type": "object"},
                                        "results": {"type": "array"},
                                    },
                                }
                            }
                        },
                    }
                },
            }
        },
    },
}


@pytest.fixture
def cursor_target(request: pytest.FixtureRequest) -> Iterator[str]:
    with serve_asgi(cursor_app(request.param)) as origin:
        yield origin + "/api"


def check_directly(base_url: str) -> list[Any]:
    operations = list_operations(SPEC)
    with HttpClient(timeout=5.0, max_response_bytes=100_000) as http:
        context = ActiveContext(
            base_url=base_url,
            document=SPEC,
            api_version="1.0.0",
            operations=operations,
            subjects=Subjects(),
            http=http,
            seed=0,  # a fixed seed: the same pages each time
            exchanges=None,
        )
        return list(pagination(context))


@pytest.mark.parametrize("cursor_target", [False], indirect=True)
@pytest.mark.slow
def test_cursor_and_post_paging_pass(cursor_target: str) -> None:
    observations = check_directly(cursor_target)
    assert {o.operation.label for o in observations} == {"GET /items", "POST /searches"}
    assert [o.message for o in observations if o.outcome is not Outcome.PASSED] == []
    # the unknown cursor got the declared 400, and the search was sent with the example body
    assert len(observations) == 10


@pytest.mark.parametrize("cursor_target", [True], indirect=True)
@pytest.mark.slow
def test_cursor_paging_that_repeats_items_fails(cursor_target: str) -> None:
    failed = [o for o in check_directly(cursor_target) if o.outcome is Outcome.FAILED]
    assert [(o.operation.label, o.title) for o in failed] == [
        ("GET /items", "Items lost or repeated across pages")
    ]
    assert "twice" in failed[0].message


def test_post_collection_without_an_example_is_an_error_not_a_pass() -> None:
    document = json.loads(json.dumps(SPEC))
    media = document["paths"]["/searches"]["post"]["requestBody"]["content"]["application/json"]
    del media["examples"]
    paged = {p.operation.label: p for p in paged_operations(document, list_operations(document))}
    assert paged["POST /searches"].problem is not None
    assert paged["GET /items"].style == "cursor" and paged["GET /items"].problem is None


def test_helpers_find_items_totals_and_cursors(tasks_spec: LoadedSpec) -> None:
    walker = SchemaWalker({})
    hal = {"properties": {"_embedded": {"properties": {"persons": {"type": "array"}}}}}
    assert items_path(hal, walker) == ("_embedded", "persons")
    assert items_path({"properties": {"name": {"type": "string"}}}, walker) is None
    assert next_cursor({"meta": {"nextCursor": "abc"}}, "cursor", None) == "abc"
    header = '</x?cursor=q1&limit=2>; rel="next"'
    assert next_cursor({}, "cursor", header) == "q1"
    assert identity({"id": 3, "x": 1}) == identity({"id": 3, "x": 2})
    document = yaml.safe_load(Path(tasks_spec.path).read_text(encoding="utf-8"))
    (paged,) = paged_operations(document, list_operations(document))
    assert (paged.style, paged.items_path, paged.max_size) == ("page", ("items",), 100)


@pytest.mark.slow
def test_a_collection_the_subject_may_not_read_is_not_judged(tasks_spec: LoadedSpec) -> None:
    app = TARGET.create_app(tokens=(TOKEN,), tasks=TASKS)
    with serve_asgi(app) as origin, HttpClient(timeout=5.0, max_response_bytes=10**6) as http:
        context = ActiveContext(
            base_url=origin + BASE_PATH,
            document=tasks_spec.bundled,
            api_version="1.2.0",
            operations=list_operations(tasks_spec.bundled),
            subjects=Subjects(),  # no credentials: the target answers 401
            http=http,
            exchanges=None,
        )
        (observation,) = pagination(context)
    assert observation.outcome is Outcome.NOT_APPLICABLE
    assert "401" in observation.message


@pytest.mark.parametrize("flaw", ["ignores-page-size", "overlapping-pages", "unstable-order"])
@pytest.mark.slow
def test_an_empty_collection_is_filled_judged_and_emptied(
    flaw: str, tasks_spec: LoadedSpec, tmp_path: Path
) -> None:
    # An empty collection shows nothing about paging: the check creates items through the POST
    # on the same path, judges the pages, and deletes what it created.
    app = TARGET.create_app(flaws=(flaw,), tokens=(TOKEN,))
    with serve_asgi(app) as origin:
        report = run(
            RunConfig(
                spec=tasks_spec,
                base_url=origin + BASE_PATH,
                subjects=credentials(),
                seed=3,
                phases=(),
                hypothesis_dir=tmp_path / "hypothesis",
            )
        )
    assert report.check("adr:pagination").outcome is Outcome.FAILED
    assert report.requirement("GDI-GEN-017").outcome is Outcome.FAILED
    assert app.tasks == {}  # left as it was found
    created = [item for item in app.received if item[0] == "POST"]
    deleted = [item for item in app.received if item[0] == "DELETE"]
    assert len(created) >= 5 and len(deleted) >= 5
