"""adr:no-sensitive-uris: no BSN in any URI the API declares or hands out.

ADR /core/transport/no-sensitive-uris: URIs end up in logs, browser histories and Referer
headers, so personal data such as a burgerservicenummer must never be part of one. Checked:

- in the spec (active check, per operation): no path or query parameter with a BSN-like name
  (``bsn``, ``burgerservicenummer``, ``persoonBsn``, ...) or a 9-digit pattern, and no 9-digit
  number in a path;
- at run time (on every response Schemathesis receives, and on one request per readable
  operation of the active check): no URI in a response (``Location``, ``Content-Location``,
  ``Link``, and URI-like strings in a JSON body such as ``_links`` hrefs) carries a BSN-like
  query parameter name or a 9-digit number that passes the 11-proef. A number the request's own
  URL already carried is the client's doing, not the API's, and is not held against it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from conformance.client.credentials import PRIMARY
from conformance.client.identifiers import is_valid_bsn
from conformance.engine import catalogue
from conformance.engine.checks.active import ActiveContext, Observation, active_check
from conformance.engine.checks.responses import RunState, _fail, _register, _where, header
from conformance.engine.openapi.operations import OperationInfo, fill_path
from conformance.lint.rules.extras import describes_nine_digits, is_sensitive_name
from conformance.results import Outcome

if TYPE_CHECKING:
    from schemathesis import Response
    from schemathesis.specs.openapi.schemas import (
        OpenApiCase as Case,
    )  # Case of an OpenAPI operation

URI_HEADERS = ("location", "content-location", "link")
_NINE_DIGITS = re.compile(r"(?<![0-9A-Za-z])[0-9]{9}(?![0-9A-Za-z])")
_TEMPLATE = re.compile(r"\{[^}]*\}")
_TEMPLATE_NAME = re.compile(r"\{;?\??([^}*]+)\*?\}")
_LINK_TARGET = re.compile(r"<([^>]*)>")
MAX_BODY_STRINGS = 5000  # URI-like strings examined in one body
MAX_DEPTH = 32


def uri_issues(uri: str, sent: str = "") -> list[str]:
    """What in ``uri`` is sensitive; numbers that also occur in ``sent`` are not counted."""
    parts = urlsplit(uri.strip())
    issues = []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if is_sensitive_name(name):
            issues.append(f"query parameter {name!r}")
        elif is_valid_bsn(value) and value not in sent:
            issues.append(f"query parameter {name!r} holds a BSN-like number")
    for number in _NINE_DIGITS.findall(unquote(parts.path)):
        if is_valid_bsn(number) and number not in sent:
            issues.append(f"the path holds a BSN-like number ({number[:3]}…)")
    return issues


def _looks_like_uri(text: str) -> bool:
    return (
        text.startswith(("http://", "https://", "/"))
        and not any(char.isspace() for char in text)
        and len(text) <= 4096
    )


def body_uris(body: Any) -> Iterator[str]:
    """URI-like strings anywhere in a JSON value (bounded in count and depth)."""
    stack: list[tuple[Any, int]] = [(body, 0)]
    found = 0
    while stack and found < MAX_BODY_STRINGS:
        value, depth = stack.pop()
        if isinstance(value, str):
            if _looks_like_uri(value):
                found += 1
                yield value
        elif depth < MAX_DEPTH and isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif depth < MAX_DEPTH and isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)


def response_uris(
    headers: dict[str, str], body: bytes, media_type: str
) -> Iterator[tuple[str, str]]:
    """(where, URI) for every URI a response hands out."""
    for name in URI_HEADERS:
        value = headers.get(name)
        if not value:
            continue
        targets = _LINK_TARGET.findall(value) if name == "link" else [value]
        for target in targets:
            yield f"the {name.title()} header", target
    if body and (media_type.endswith("json") or media_type.endswith("+json")):
        try:
            parsed = json.loads(body)
        except ValueError:
            return
        for uri in body_uris(parsed):
            yield "the body", uri


def response_issues(headers: dict[str, str], body: bytes, media_type: str, sent: str) -> list[str]:
    issues = []
    for where, uri in response_uris(headers, body, media_type):
        for issue in uri_issues(uri, sent):
            issues.append(f"{where} gives a URI in which {issue}")
    return issues


# -- per response, inside Schemathesis's run ----------------------------------------------
@_register(catalogue.NO_SENSITIVE_URIS)
def no_sensitive_uris_in_responses(state: RunState, response: Response, case: Case) -> bool | None:
    """No URI a response hands out carries a BSN (/core/transport/no-sensitive-uris)."""
    headers = {name: ", ".join(values) for name, values in response.headers.items()}
    kind = (header(response, "content-type") or "").split(";")[0].strip().lower()
    uris = list(response_uris(headers, response.content, kind))
    if not uris:
        return True
    issues = response_issues(headers, response.content, kind, unquote(str(response.request.url)))
    if issues:
        raise _fail(
            case,
            "Response puts a BSN in a URI",
            f"The {_where(response, case)}: {'; '.join(sorted(set(issues))[:5])}.",
        )
    return None


# -- the spec, and requests of its own ----------------------------------------------------
def spec_issues(operation: OperationInfo) -> list[str]:
    issues = []
    literal = _TEMPLATE.sub("", operation.path)
    if _NINE_DIGITS.search(literal):
        issues.append(f"the path {operation.path} contains a 9-digit number")
    template_names = set(_TEMPLATE_NAME.findall(operation.path))
    for name in sorted(template_names):
        if is_sensitive_name(name):
            issues.append(f"the path carries {{{name}}}")
    for parameter in operation.parameters:
        where, name = parameter.get("in"), str(parameter.get("name"))
        if where not in ("path", "query"):
            continue
        if is_sensitive_name(name) and name not in template_names:
            issues.append(f"{where} parameter {name!r} puts a BSN in the URI")
        schema = parameter.get("schema")
        pattern = schema.get("pattern") if isinstance(schema, dict) else None
        if isinstance(pattern, str) and describes_nine_digits(pattern):
            issues.append(f"{where} parameter {name!r} takes a 9-digit number ({pattern})")
    return issues


def _readable(operation: OperationInfo) -> bool:
    """A GET whose only required parameters are in its path (filled with sample values)."""
    return operation.method == "GET" and not any(
        parameter.get("required") and parameter.get("in") != "path"
        for parameter in operation.parameters
    )


@active_check(catalogue.NO_SENSITIVE_URIS, per_operation=True)
def no_sensitive_uris(ctx: ActiveContext) -> Iterator[Observation]:
    for operation in ctx.operations:
        issues = spec_issues(operation)
        yield Observation(
            check=catalogue.NO_SENSITIVE_URIS,
            outcome=Outcome.FAILED if issues else Outcome.PASSED,
            title="The spec puts a BSN in a URI" if issues else "",
            message=f"{operation.label}: {'; '.join(issues)}; send it in the request body instead."
            if issues
            else "",
            operation=operation,
        )
    walker = ctx.walker
    for operation in ctx.operations:
        if ctx.stopped:
            return
        if not _readable(operation):
            continue
        url = ctx.url(fill_path(operation, walker))
        exchange = ctx.http.send("GET", url, headers=ctx.credentials(PRIMARY))
        response = exchange.response
        if response is None:
            continue  # an unanswered request shows nothing about URIs; other checks report it
        issues = response_issues(response.headers, response.body, response.media_type, unquote(url))
        yield Observation(
            check=catalogue.NO_SENSITIVE_URIS,
            outcome=Outcome.FAILED if issues else Outcome.PASSED,
            title="Response puts a BSN in a URI" if issues else "",
            message=f"GET {url} answered {response.status}: {'; '.join(sorted(set(issues))[:5])}."
            if issues
            else "",
            operation=operation,
            exchange=exchange,
            subject=PRIMARY,
        )
