"""The official error-handling rules: problem details for 4xx/5xx, and a 400 for bad input."""

from __future__ import annotations

import re
from collections.abc import Iterator

from conformance.lint.context import LintContext
from conformance.lint.registry import Hit, rule
from conformance.lint.versions import SINCE_2_2
from conformance.lint.walk import PROBLEM_MEDIA, js_truthy

READS = re.compile(r"(get)|(delete)")
WRITES = re.compile(r"(put)|(post)|(patch)")
PROBLEM_MEMBERS = ("status", "title", "detail")
INVALID_INPUT = (
    "GET and DELETE endpoints that have parameters, and all other endpoints must be able to "
    "return a 400 response"
)


@rule(
    "nlgov:use-problem-schema",
    adr="/core/error-handling/problem-details",
    severity="error",
    versions=SINCE_2_2,
    description="4xx/5xx responses with content offer application/problem+json or +xml.",
)
def use_problem_schema(ctx: LintContext) -> Iterator[Hit]:
    # given $..[responses][?(@property.match(/(4|5)\d\d/))].content
    for pointer, response in ctx.index.error_responses:
        if type(response) is not dict or "content" not in response:
            continue
        content = ctx.resolve(response["content"])
        if type(content) is dict and not PROBLEM_MEDIA.intersection(content):
            yield Hit(
                (*pointer, "content"),
                "The content type of an error response should be application/problem+json or "
                "application/problem+xml to match RFC 9457.",
            )


@rule(
    "nlgov:problem-schema-members",
    adr="/core/error-handling/problem-details",
    severity="error",
    versions=SINCE_2_2,
    description="Problem details schemas of 4xx/5xx responses require status, title and detail.",
)
def problem_schema_members(ctx: LintContext) -> Iterator[Hit]:
    # given ...content[problem+json|problem+xml]..schema; schema {type: object, properties:
    # {properties: {type: object, required: [status, title, detail]}}}, first error only (ajv).
    suffix = ". These fields are required: status, title and detail."
    for pointer, schema in ctx.index.problem_schemas:
        if type(schema) is not dict:
            yield Hit(pointer, f'"{pointer[-1]}" property type must be object{suffix}')
            continue
        if "properties" not in schema:
            continue
        members = ctx.resolve(schema["properties"])
        where = (*pointer, "properties")
        if type(members) is not dict:
            yield Hit(where, f'"properties" property type must be object{suffix}')
            continue
        missing = next((name for name in PROBLEM_MEMBERS if name not in members), None)
        if missing is not None:
            yield Hit(
                where, f'"properties" property must have required property "{missing}"{suffix}'
            )


@rule(
    "nlgov:problem-invalid-input",
    adr="/core/error-handling/invalid-input",
    severity="error",
    versions=SINCE_2_2,
    description="Operations that take input declare a 400 response.",
)
def problem_invalid_input(ctx: LintContext) -> Iterator[Hit]:
    """As the official selectors are written: ``$.paths..[?(@property.match(/(get)|(delete)/) &&
    @.parameters.length > 0)]`` and ``$.paths..[?(@property.match(/(put)|(post)|(patch)/))]``.

    They match any key *containing* those words anywhere below ``paths`` (an inline schema
    property ``postcode`` is selected too; it passes, having no ``responses``), and only the
    operation's own ``parameters`` count for GET/DELETE, not those of its path item.
    """
    for pointer, node in ctx.index.method_keyed:
        key = pointer[-1]
        assert isinstance(key, str)
        selected = bool(WRITES.search(key))
        if not selected and READS.search(key) and type(node) is dict:
            params = ctx.resolve(node.get("parameters"))
            selected = js_truthy(params) and type(params) in (list, str) and len(params) > 0
        if not selected:
            continue
        if type(node) is not dict:
            yield Hit(pointer, INVALID_INPUT)
            continue
        if "responses" not in node:
            continue
        responses = ctx.resolve(node["responses"])
        if type(responses) is not dict or "400" not in responses:
            yield Hit((*pointer, "responses"), INVALID_INPUT)
