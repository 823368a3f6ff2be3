"""Which operations page their results (ADR pagination module), and how to read one page.

An operation pages when it takes the query parameters ``page`` and ``pageSize`` (page style,
1-based) or ``cursor`` and ``limit`` (cursor style) and answers 2xx with JSON holding an array
of items. Everything here is read from the spec: where the items sit in the body (the first
array of the response schema, looking one level into objects such as HAL's ``_embedded``), the
limits of the page size, and a request that the spec itself calls valid (its examples).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from conformance.engine.openapi.datetimes import SchemaWalker
from conformance.engine.openapi.operations import OperationInfo, fill_path, sample_value

PAGE_STYLE = ("page", "pageSize")
CURSOR_STYLE = ("cursor", "limit")
# Where implementations state the size of the whole collection, and its number of pages.
TOTAL_ITEMS = ("totalItems", "totalElements", "totalCount", "totalResults", "total", "count")
TOTAL_PAGES = ("totalPages", "pageCount")
PAGE_NUMBER = ("page", "number", "pageNumber", "currentPage")
PAGE_SIZE = ("pageSize", "size", "limit")
NEXT_CURSOR = ("nextCursor", "next_cursor", "cursor", "next")
# Arrays with these names are the items, before any other array of the body.
ITEM_NAMES = ("items", "results", "data", "content", "elements", "records")
JSON_TYPES = ("application/json", "application/hal+json")


@dataclass(frozen=True, slots=True)
class PagedOperation:
    operation: OperationInfo
    style: str  # "page" or "cursor"
    page_param: str  # page or cursor
    size_param: str  # pageSize or limit
    min_size: int
    max_size: int | None
    max_page: int | None  # the schema's maximum of page, if any
    items_path: tuple[str, ...]  # keys from the body to the array of items; () = the body
    path: str  # path with its parameters filled in
    query: tuple[tuple[str, str], ...] = ()  # other required query parameters
    body: bytes | None = None
    content_type: str | None = None
    problem: str | None = None  # why no valid request could be built, if so
    declared: frozenset[str] = field(default_factory=frozenset)  # declared status codes


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _json_media(content: Any, walker: SchemaWalker) -> tuple[str, dict[str, Any]] | None:
    if not isinstance(content, dict):
        return None
    for kind, media in content.items():
        base = kind.split(";")[0].strip().lower()
        if base in JSON_TYPES or base.endswith("+json"):
            resolved = walker.resolve(media)
            if isinstance(resolved, dict):
                return base, resolved
    return None


def _properties(schema: Any, walker: SchemaWalker) -> dict[str, Any]:
    """Properties of an object schema, allOf branches merged."""
    schema = walker.resolve(schema)
    if not isinstance(schema, dict):
        return {}
    merged: dict[str, Any] = {}
    for branch in schema.get("allOf") or []:
        merged.update(_properties(branch, walker))
    merged.update(schema.get("properties") or {})
    return merged


def _is_array(schema: Any, walker: SchemaWalker) -> bool:
    schema = walker.resolve(schema)
    return isinstance(schema, dict) and (schema.get("type") == "array" or "items" in schema)


def items_path(schema: Any, walker: SchemaWalker, depth: int = 0) -> tuple[str, ...] | None:
    """Keys to the array of items in a body of this schema; None if it holds no array."""
    if _is_array(schema, walker):
        return ()
    properties = _properties(schema, walker)
    arrays = [name for name, value in properties.items() if _is_array(value, walker)]
    for name in (*[n for n in ITEM_NAMES if n in arrays], *arrays):
        return (name,)
    if depth == 0:
        for name, value in properties.items():
            inner = items_path(value, walker, depth + 1)
            if inner:
                return (name, *inner)
    return None


def _success_schema(operation: dict[str, Any], walker: SchemaWalker) -> Any:
    responses = walker.resolve(operation.get("responses") or {})
    for code in sorted(str(key) for key in responses):
        if code.startswith("2"):
            media = _json_media(walker.resolve(responses[code]).get("content"), walker)
            if media is not None:
                return media[1].get("schema")
    return None


def _example_body(operation: dict[str, Any], walker: SchemaWalker) -> tuple[str, Any] | None:
    body = walker.resolve(operation.get("requestBody") or {})
    media = _json_media(body.get("content"), walker)
    if media is None:
        return None
    kind, value = media
    if "example" in value:
        return kind, value["example"]
    for example in (value.get("examples") or {}).values():
        example = walker.resolve(example)
        if isinstance(example, dict) and "value" in example:
            return kind, example["value"]
    schema = walker.resolve(value.get("schema") or {})
    if isinstance(schema, dict) and "example" in schema:
        return kind, schema["example"]
    return None


def _limits(parameter: dict[str, Any], walker: SchemaWalker) -> tuple[int | None, int | None]:
    schema = walker.resolve(parameter.get("schema") or {})
    if not isinstance(schema, dict):
        return None, None
    return _int(schema.get("minimum")), _int(schema.get("maximum"))


def paged_operations(
    document: dict[str, Any], operations: list[OperationInfo]
) -> list[PagedOperation]:
    walker = SchemaWalker(document)
    found = []
    for info in operations:
        item = walker.resolve((document.get("paths") or {}).get(info.path) or {})
        operation = walker.resolve(item.get(info.method.lower()) or {})
        query = {p.get("name"): p for p in info.parameters if p.get("in") == "query"}
        style = next(
            (names for names in (PAGE_STYLE, CURSOR_STYLE) if all(n in query for n in names)),
            None,
        )
        schema = _success_schema(operation, walker)
        located = items_path(schema, walker) if schema is not None else None
        if style is None or located is None:
            continue
        min_size, max_size = _limits(query[style[1]], walker)
        _, max_page = _limits(query[style[0]], walker)
        extra = tuple(
            (str(name), sample_value(parameter, walker))
            for name, parameter in query.items()
            if parameter.get("required") and name not in style
        )
        body: bytes | None = None
        content_type: str | None = None
        problem: str | None = None
        request_body = walker.resolve(operation.get("requestBody") or {})
        if request_body:
            example = _example_body(operation, walker)
            if example is not None:
                content_type, value = example
                body = json.dumps(value).encode()
            elif request_body.get("required"):
                problem = "its required request body has no example in the spec to send"
        found.append(
            PagedOperation(
                operation=info,
                style="page" if style == PAGE_STYLE else "cursor",
                page_param=style[0],
                size_param=style[1],
                min_size=max(min_size or 1, 1),
                max_size=max_size,
                max_page=max_page,
                items_path=located,
                path=fill_path(info, walker),
                query=extra,
                body=body,
                content_type=content_type,
                problem=problem,
                declared=frozenset(info.declared_statuses),
            )
        )
    return found


# -- reading a page -----------------------------------------------------------------------
def page_items(body: Any, path: tuple[str, ...]) -> list[Any] | None:
    for key in path:
        if not isinstance(body, dict) or key not in body:
            return None
        body = body[key]
    return body if isinstance(body, list) else None


def _containers(body: Any) -> list[dict[str, Any]]:
    """The body and the objects directly in it (e.g. ``pagination``, ``page``, ``meta``)."""
    if not isinstance(body, dict):
        return []
    return [body, *(value for value in body.values() if isinstance(value, dict))]


def stated_number(body: Any, names: tuple[str, ...]) -> int | None:
    """The first integer under one of ``names`` in the body or one level down."""
    for container in _containers(body):
        for name in names:
            value = _int(container.get(name))
            if value is not None:
                return value
    return None


def _links(body: Any) -> list[dict[str, Any]]:
    return [
        container[key]
        for container in _containers(body)
        for key in ("_links", "links")
        if isinstance(container.get(key), dict)
    ]


def next_cursor(body: Any, cursor_param: str, link_header: str | None) -> str | None:
    """The cursor of the next page: a field, or the cursor in the URI of the next link."""
    hrefs: list[str] = []
    for links in _links(body):
        target = links.get("next")
        if isinstance(target, dict) and isinstance(target.get("href"), str):
            hrefs.append(target["href"])
        elif isinstance(target, str):
            hrefs.append(target)
    if link_header:
        for part in link_header.split(","):
            if 'rel="next"' in part or "rel=next" in part:
                hrefs.append(part.split(";")[0].strip().strip("<>"))
    for href in hrefs:
        for name, value in parse_qsl(urlsplit(href).query):
            if name == cursor_param and value:
                return value
    for container in _containers(body):
        for name in NEXT_CURSOR:
            field_value = container.get(name)
            if isinstance(field_value, str) and field_value:
                return field_value
    return None


def identity(item: Any) -> str:
    """What tells two items apart: their id if they have one, else their whole content."""
    if isinstance(item, dict) and isinstance(item.get("id"), str | int):
        return f"id={item['id']}"
    return json.dumps(item, sort_keys=True, ensure_ascii=False, default=str)
