"""The HTTP operations of the register. Shared ADR behaviour comes from the common app factory;
this module only reads requests, checks them against the spec, and calls the domain code."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from building_blocks.common import AccessToken, Database, InvalidParam, ProblemError, invalid_input
from building_blocks.common.auth import TokenVerifier
from building_blocks.registries import access, declarations, queries, store
from building_blocks.registries.schema import RequestSchemas

READ = "registries:read"
DECLARE = "registries:declare"
QUERY_TYPES = (
    "RaadpleegMetBurgerservicenummer",
    "ZoekMetGeslachtsnaamEnGeboortedatum",
    "ZoekMetPostcodeEnHuisnummer",
)
_INTEGER = re.compile(r"-?[0-9]{1,12}")
_DECLARATION_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_PAGE_LIMITS = {"page": (1, 1_000_000), "pageSize": (1, 100)}

T = TypeVar("T")


class Register:
    """What the routes need: the database, the spec's schemas, the public base URL."""

    def __init__(self, db: Database, schemas: RequestSchemas, base_url: str) -> None:
        self.db = db
        self.schemas = schemas
        self.base_url = base_url


async def _json_body(request: Request) -> Any:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise invalid_input(
            [InvalidParam("Content-Type", "mediaType", "The body must be application/json.")]
        )
    raw = await request.body()
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise invalid_input([InvalidParam("body", "json", "The body is not valid JSON.")]) from None


def _check(schemas: RequestSchemas, component: str, body: Any) -> None:
    errors = schemas.errors(component, body)
    if errors:
        raise invalid_input(errors, "The request does not match the schema.")


def _check_query(schemas: RequestSchemas, body: Any) -> None:
    """The query's own variant decides, so errors name the member at fault, not 'oneOf'."""
    if not isinstance(body, dict):
        raise invalid_input([InvalidParam("body", "type", "Must be of type object.")])
    kind = body.get("type")
    if kind not in QUERY_TYPES:
        code = "required" if "type" not in body else "enum"
        allowed = f"Must be one of {', '.join(QUERY_TYPES)}."
        reason = "Is required." if code == "required" else allowed
        raise invalid_input([InvalidParam("type", code, reason)])
    _check(schemas, str(kind), body)


def _paging(request: Request) -> queries.Paging:
    values: dict[str, int] = {}
    errors = []
    for name, (low, high) in _PAGE_LIMITS.items():
        given = request.query_params.getlist(name)
        if not given:
            continue
        text = given[-1]
        if len(given) > 1 or not _INTEGER.fullmatch(text):
            errors.append(InvalidParam(name, "type", "Must be one integer."))
        elif not low <= int(text) <= high:
            errors.append(InvalidParam(name, "range", f"Must be from {low} to {high}."))
        else:
            values[name] = int(text)
    if errors:
        raise invalid_input(errors)
    return queries.Paging(
        page=values.get("page", 1), page_size=values.get("pageSize", queries.DEFAULT_PAGE_SIZE)
    )


def _client(token: AccessToken) -> str:
    # azp names the client; a token without one is still somebody's, by its subject.
    return token.client_id or f"sub:{token.subject}"


def _declaration_id(value: str) -> str:
    if not _DECLARATION_ID.fullmatch(value):
        raise invalid_input([InvalidParam("aangifteId", "format", "Must be a lower-case UUID.")])
    return value


async def _in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    # SQLite calls block; the thread pool keeps the event loop free for other requests.
    return await run_in_threadpool(function, *args, **kwargs)


def build_router(register: Register, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter()
    can_read = Depends(verifier.require(READ))
    can_declare = Depends(verifier.require(DECLARE))

    @router.post("/personen")
    async def query_persons(request: Request, token: AccessToken = can_read) -> Response:
        paging = _paging(request)
        body = await _json_body(request)
        _check_query(register.schemas, body)
        today = dt.date.fromisoformat(declarations.today())
        await _in_thread(access.authorise_query, register.db, verifier, token, body, today)
        answer = await _in_thread(queries.answer, register.db, body, paging, register.base_url)
        return JSONResponse(answer)

    @router.post("/geboorteaangiften")
    async def declare_birth(request: Request, token: AccessToken = can_declare) -> Response:
        body = await _json_body(request)
        _check(register.schemas, "Geboorteaangifte", body)
        result = await _in_thread(declarations.declare_birth, register.db, body, _client(token))
        location = f"{register.base_url}/geboorteaangiften/{result['aangifteId']}"
        return JSONResponse(result, status_code=201, headers={"Location": location})

    @router.post("/verhuisaangiften")
    async def declare_move(request: Request, token: AccessToken = can_declare) -> Response:
        body = await _json_body(request)
        _check(register.schemas, "Verhuisaangifte", body)
        result = await _in_thread(declarations.declare_move, register.db, body, _client(token))
        location = f"{register.base_url}/verhuisaangiften/{result['aangifteId']}"
        return JSONResponse(result, status_code=201, headers={"Location": location})

    def read_declaration(kind: str, declaration_id: str, token: AccessToken) -> dict[str, Any]:
        found = store.declaration(register.db, declaration_id, kind, _client(token))
        if not isinstance(found, dict):
            # Another client's declaration does not exist for this one (no hint that it does).
            raise ProblemError(404, "Not Found", "There is no declaration with this identifier.")
        return found

    @router.get("/geboorteaangiften/{aangifteId}")
    async def get_birth_declaration(
        aangifteId: str,
        token: AccessToken = can_declare,
    ) -> Response:
        declaration_id = _declaration_id(aangifteId)
        return JSONResponse(await _in_thread(read_declaration, "birth", declaration_id, token))

    @router.get("/verhuisaangiften/{aangifteId}")
    async def get_move_declaration(
        aangifteId: str,
        token: AccessToken = can_declare,
    ) -> Response:
        declaration_id = _declaration_id(aangifteId)
        return JSONResponse(await _in_thread(read_declaration, "move", declaration_id, token))

    return router
