"""One walk over the resolved document that collects what the rules look at.

The official rules select nodes with recursive JSONPath (``$..[responses][?(...)]``,
``$..properties[*].format``, ``$..content..[?(...)]``). Evaluating each selector separately means
one full traversal per rule; instead this walk visits every node of the resolved document once
and files the nodes each selector would return, so a rule is a loop over a short list.

$refs are followed as Spectral's resolver does. A $ref target that was already walked in the same
context is not walked again: every result under it maps to the same place in the source (see
resolve.origin_of), so a second walk would only repeat findings that are de-duplicated anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from conformance.lint.resolve import Pointer, follow

Entry = tuple[Pointer, Any]

SUCCESS_CODE = re.compile(r"(2|3)\d\d")  # unanchored, as in the official selector
ERROR_CODE = re.compile(r"(4|5)\d\d")
DATE_NAME = re.compile(r"((\w+D)|(_[dD]))((ate)|(atum))")
METHOD_LIKE = re.compile(r"get|delete|put|post|patch")
PROBLEM_MEDIA = frozenset({"application/problem+json", "application/problem+xml"})
_SCHEMA_HINTS = ("enum", "type", "format", "$ref", "properties", "items")

# Flags for "somewhere below a node called ...".
_IN_CONTENT = 1
_IN_HEADERS = 2
_IN_PARAMETERS = 4
_IN_COMPONENT_SCHEMAS = 8
_IN_DATE_PROPERTY = 16
_IN_PROBLEM_MEDIA = 32
_IN_FIRST_DATE_PROPERTY = 64  # below date/datum right under the first "properties" of the path
_BELOW_PROPERTIES = 128  # some ancestor is called "properties"
_CHILD_OF_FIRST_PROPERTIES = 256  # the parent is the first "properties" (not inherited)
_FLAG_OF_KEY = {"content": _IN_CONTENT, "headers": _IN_HEADERS, "parameters": _IN_PARAMETERS}
_MEDIA_EXAMPLE_SCOPE = _IN_CONTENT | _IN_HEADERS | _IN_PARAMETERS
_SCHEMA_EXAMPLE_SCOPE = _MEDIA_EXAMPLE_SCOPE | _IN_COMPONENT_SCHEMAS


def js_truthy(value: Any) -> bool:
    """JavaScript truthiness of a JSON value ({} and [] are truthy, 0 and "" are not)."""
    if value is None or value is False:
        return False
    if type(value) in (int, float):
        return bool(value == value and value != 0)  # NaN is falsy too
    if type(value) is str:
        return value != ""
    return True


@dataclass(slots=True)
class DocIndex:
    """Nodes of the resolved document, filed by the selector that returns them."""

    # children of any "responses" node whose key contains a 2xx/3xx (4xx/5xx) code
    success_responses: list[Entry] = field(default_factory=list)
    error_responses: list[Entry] = field(default_factory=list)
    # children of any node called "properties"
    properties: list[Entry] = field(default_factory=list)
    # "format" nodes below a ...Date/...Datum property, or below date/datum where Spectral's
    # JSONPath engine (nimma) finds it: see build_index
    date_formats: list[Entry] = field(default_factory=list)
    # "schema" nodes anywhere below a problem+json/xml media type of a 4xx/5xx response
    problem_schemas: list[Entry] = field(default_factory=list)
    # nodes below $.paths whose key contains get/delete/put/post/patch
    method_keyed: list[Entry] = field(default_factory=list)
    # items of any "servers" list below $.paths
    path_servers: list[Entry] = field(default_factory=list)
    # objects below content/headers/parameters with a schema and an example (media examples)
    media_examples: list[Entry] = field(default_factory=list)
    # schema-like objects with an example or default (schema examples)
    schema_examples: list[Entry] = field(default_factory=list)
    # whether any schema uses format int32/int64 (number formats a string-only checker misses)
    integer_formats: bool = False
    # whether any schema says nullable: true (OpenAPI 3.0's way to allow null)
    nullable: bool = False
    nodes: int = 0


def media_context(path: Pointer) -> str:
    """'request' / 'response' for media below request bodies / responses (Spectral's test)."""
    if len(path) >= 2 and path[0] == "components":
        if path[1] == "requestBodies":
            return "request"
        if path[1] == "responses":
            return "response"
    if len(path) >= 4 and path[0] == "paths":
        if path[3] == "requestBody":
            return "request"
        if path[3] == "responses":
            return "response"
    return ""


def _inner_flags(path: Pointer, key: Any, flags: int) -> int:
    """The flags of a node's children: its own flags plus what its key and place add."""
    inner = flags & ~_CHILD_OF_FIRST_PROPERTIES
    if key == "properties":
        inner |= _BELOW_PROPERTIES
        if not flags & _BELOW_PROPERTIES:
            inner |= _CHILD_OF_FIRST_PROPERTIES
    elif flags & _CHILD_OF_FIRST_PROPERTIES and key in ("date", "datum"):
        # `$..properties[date,datum]..format`: nimma (Spectral's JSONPath engine) only tries
        # the first "properties" segment of a node's path for a deep scan followed by a
        # member union, so a `datum` below an earlier `properties` is never selected. The
        # filter form of the same rule ($..properties[?(...)]..format) has no such gap.
        inner |= _IN_FIRST_DATE_PROPERTY
    if type(key) is str:
        inner |= _FLAG_OF_KEY.get(key, 0)
        depth = len(path)
        if (
            key in PROBLEM_MEDIA
            and depth >= 4
            and path[-2] == "content"
            and path[-4] == "responses"
            and type(path[-3]) is str
            and ERROR_CODE.search(path[-3])
        ):
            inner |= _IN_PROBLEM_MEDIA
        if depth >= 2 and path[-2] == "properties" and DATE_NAME.search(key):
            inner |= _IN_DATE_PROPERTY
        if path == ("components", "schemas"):
            inner |= _IN_COMPONENT_SCHEMAS
    return inner


def _follow_ref(
    document: Any, node: dict[str, Any], chain: tuple[Pointer, ...]
) -> tuple[Any, tuple[Pointer, ...]]:
    """The $ref's target and the chain of targets above it; the node itself for a cycle."""
    resolved, target = follow(document, node)
    if target is not None and target not in chain:
        return resolved, (*chain, target)
    return node, chain


def _file_examples(
    index: DocIndex, inner: int, key: Any, path: Pointer, node: dict[str, Any]
) -> None:
    """File an object with an example as a media example and/or a schema example."""
    if (
        inner & _MEDIA_EXAMPLE_SCOPE
        and js_truthy(node.get("schema"))
        and ("example" in node or js_truthy(node.get("examples")))
    ):
        index.media_examples.append((path, node))
    if (
        key != "properties"
        and ("example" in node or "default" in node)
        and any(js_truthy(node.get(hint)) for hint in _SCHEMA_HINTS)
    ):
        index.schema_examples.append((path, node))


def build_index(document: Any) -> DocIndex:
    index = DocIndex()
    if type(document) not in (dict, list):
        return index
    walked: set[tuple[Any, ...]] = set()
    stack: list[tuple[Any, Pointer, int, tuple[Pointer, ...]]] = [(document, (), 0, ())]
    success, errors = index.success_responses, index.error_responses
    properties, date_formats = index.properties, index.date_formats
    nodes = 0
    while stack:
        value, path, flags, chain = stack.pop()
        nodes += 1
        key = path[-1] if path else None
        inner = _inner_flags(path, key, flags)
        under_paths = bool(path) and path[0] == "paths"
        is_responses = key == "responses"
        is_properties = key == "properties"
        is_servers = key == "servers" and under_paths
        items = value.items() if type(value) is dict else enumerate(value)
        for k, v in items:
            child_chain = chain
            if type(v) is dict and "$ref" in v:
                v, child_chain = _follow_ref(document, v, chain)
            cpath = (*path, k)
            if is_responses and type(k) is str:
                if SUCCESS_CODE.search(k):
                    success.append((cpath, v))
                if ERROR_CODE.search(k):
                    errors.append((cpath, v))
            if is_properties:
                properties.append((cpath, v))
            if k == "format":
                if inner & (_IN_DATE_PROPERTY | _IN_FIRST_DATE_PROPERTY):
                    date_formats.append((cpath, v))
                if v == "int32" or v == "int64":
                    index.integer_formats = True
            elif k == "nullable" and v is True:
                index.nullable = True
            if k == "schema" and inner & _IN_PROBLEM_MEDIA:
                index.problem_schemas.append((cpath, v))
            if under_paths and type(k) is str and METHOD_LIKE.search(k):
                index.method_keyed.append((cpath, v))
            if is_servers:
                index.path_servers.append((cpath, v))
            tv = type(v)
            if tv is dict:
                if inner & _SCHEMA_EXAMPLE_SCOPE:
                    _file_examples(index, inner, k, cpath, v)
            elif tv is not list:
                continue
            if child_chain is not chain:
                # Context that decides what is filed below this $ref target: the flags, the last
                # keys above it, whether it is below $.paths, and the media context.
                memo = (child_chain[-1], inner, cpath[-4:], under_paths, media_context(cpath))
                if memo in walked:
                    continue
                walked.add(memo)
            stack.append((v, cpath, inner, child_chain))
    index.nodes = nodes
    return index
