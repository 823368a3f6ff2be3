"""Our rules beyond the official ruleset (``gdi:*``): sensitive data in URIs, pagination parameters.

They are reported as extras, next to the official rules' findings, and count for no ADR verdict;
``gdi-conformance lint --no-extras`` leaves them out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from conformance.lint.context import HTTP_METHODS, LintContext, Operation
from conformance.lint.findings import Severity
from conformance.lint.registry import Hit, rule
from conformance.lint.resolve import Pointer

# Names under which a BSN (burgerservicenummer, formerly sofinummer) travels.
SENSITIVE_NAMES = frozenset(
    {
        "bsn",
        "bsnnummer",
        "bsnnr",
        "burgerservicenummer",
        "burgerservicenr",
        "citizenservicenumber",
        "sofinummer",
        "sofinr",
    }
)
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_NINE_DIGITS = re.compile(r"(?<!\d)\d{9}(?!\d)")
_TEMPLATE = re.compile(r"\{[^}]*\}")
_TEMPLATE_NAME = re.compile(r"\{;?\??([^}*]+)\*?\}")
_URI_LOCATIONS = ("path", "query")


def is_sensitive_name(name: str) -> bool:
    """``bsn``, ``burgerservicenummer``, ``persoonBsn``, ``bsn_ouder``, ``sofiNr`` ... ."""
    squashed = re.sub(r"[^a-z0-9]", "", name.lower())
    if squashed in SENSITIVE_NAMES or "burgerservicenummer" in squashed or "sofinummer" in squashed:
        return True
    return any(word.lower() == "bsn" for word in _WORDS.findall(name))


def describes_nine_digits(pattern: str) -> bool:
    """Whether a schema pattern accepts exactly nine digits (a BSN, or another 9-digit id)."""
    try:
        compiled = re.compile(pattern)
    except re.error:
        return False
    return bool(
        compiled.search("123456782")
        and not compiled.search("12345678")
        and not compiled.search("1234567890")
    )


@rule(
    "gdi:no-sensitive-uris",
    adr="/core/transport/no-sensitive-uris",
    severity="error",
    origin="extra",
    description="No BSN (or other 9-digit personal number) in paths or query parameters.",
)
def no_sensitive_uris(ctx: LintContext) -> Iterator[Hit]:
    for path, item in ctx.path_items():
        literal = _TEMPLATE.sub("", path)
        if _NINE_DIGITS.search(literal):
            yield Hit(
                ("paths", path), f"Path {path} contains a 9-digit number (BSN-like).", at_key=True
            )
        for name in _TEMPLATE_NAME.findall(path):
            if is_sensitive_name(name):
                yield Hit(
                    ("paths", path),
                    f"Path {path} carries {{{name}}}: a BSN must not be part of a URI "
                    "(send it in the request body, e.g. POST with a search body).",
                    at_key=True,
                )
        params = list(ctx.parameters(item, ("paths", path)))
        for method in HTTP_METHODS:
            operation = ctx.resolve(item.get(method))
            if type(operation) is dict:
                params += ctx.parameters(operation, ("paths", path, method))
        for pointer, param in params:
            yield from _check_parameter(ctx, pointer, param)


def _check_parameter(ctx: LintContext, pointer: Pointer, param: dict[str, Any]) -> Iterator[Hit]:
    where = param.get("in")
    if where not in _URI_LOCATIONS:
        return
    name = param.get("name")
    if type(name) is str and is_sensitive_name(name):
        yield Hit(
            (*pointer, "name"),
            f"{where.capitalize()} parameter '{name}' puts a BSN in the URI; send it in the "
            "request body instead.",
        )
    schema = ctx.resolve(param.get("schema"))
    pattern = schema.get("pattern") if type(schema) is dict else None
    if type(pattern) is str and describes_nine_digits(pattern):
        yield Hit(
            (*pointer, "schema", "pattern"),
            f"{where.capitalize()} parameter '{name}' takes a 9-digit number ({pattern}), "
            "BSN-like data that must not be part of a URI.",
        )


PAGE_STYLE = ("page", "pageSize")
CURSOR_STYLE = ("cursor", "limit")


@rule(
    "gdi:pagination-parameters",
    adr=None,
    severity="error",
    origin="extra",
    description="Pagination module (no ADR core rule): page+pageSize (1-based) or cursor+limit, "
    "never both on one operation.",
)
def pagination_parameters(ctx: LintContext) -> Iterator[Hit]:
    for op in ctx.operations():
        query = _query_parameters(ctx, op)
        page = [name for name in PAGE_STYLE if name in query]
        cursor = [name for name in CURSOR_STYLE if name in query]
        if page and cursor:
            yield Hit(
                op.pointer,
                f"Operation mixes page-based ({', '.join(page)}) and cursor-based "
                f"({', '.join(cursor)}) pagination; use page+pageSize or cursor+limit, not both.",
            )
        if len(page) == 1:
            missing = "pageSize" if page == ["page"] else "page"
            yield Hit(
                query[page[0]][0],
                f"Page-based pagination has {page[0]} without {missing}.",
                severity=Severity.WARNING,
            )
        if cursor == ["cursor"]:
            yield Hit(
                query["cursor"][0],
                "Cursor-based pagination has cursor without limit.",
                severity=Severity.WARNING,
            )
        if "page" in query:
            pointer, param = query["page"]
            schema = ctx.resolve(param.get("schema"))
            minimum = schema.get("minimum") if type(schema) is dict else None
            if isinstance(minimum, int | float) and not isinstance(minimum, bool) and minimum < 1:
                yield Hit(
                    (*pointer, "schema", "minimum"),
                    f"Pages are numbered from 1, but page allows {minimum}.",
                )


def _query_parameters(ctx: LintContext, op: Operation) -> dict[str, tuple[Pointer, dict[str, Any]]]:
    """Query parameters by name; the operation's own override its path item's (as in OpenAPI)."""
    found: dict[str, tuple[Pointer, dict[str, Any]]] = {}
    for pointer, param in [
        *ctx.parameters(op.path_item, ("paths", op.path)),
        *ctx.parameters(op.value, op.pointer),
    ]:
        if param.get("in") == "query" and type(param.get("name")) is str:
            found[param["name"]] = (pointer, param)
    return found
