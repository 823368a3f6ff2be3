"""OAuth 2.0 protocol plumbing: form bodies in, RFC 6749 error objects out.

RFC 6749 section 5.2 prescribes ``application/json`` error objects with an ``error`` member for
the token, introspection and revocation endpoints. Every error object here also carries the RFC
9457 members (type, title, status, detail), so one body satisfies both standards, and a client
that asks for ``application/problem+json`` gets it under that media type (profile exception
GDI-IDN-X01).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from building_blocks.common import PROBLEM_JSON
from building_blocks.common.problems import status_phrase

FORM = "application/x-www-form-urlencoded"


class OAuthError(Exception):
    """An RFC 6749 error; ``description`` is shown to the client, so it never echoes input."""

    def __init__(
        self,
        error: str,
        description: str,
        *,
        status: int = 400,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status
        self.headers = dict(headers or {})


def invalid_client(description: str) -> OAuthError:
    return OAuthError("invalid_client", description, status=401)


def wants_problem_json(request: Request) -> bool:
    return PROBLEM_JSON in request.headers.get("accept", "").lower()


def oauth_error_response(request: Request, exc: OAuthError) -> Response:
    body = {
        "error": exc.error,
        "error_description": exc.description,
        "type": "about:blank",
        "title": status_phrase(exc.status),
        "status": exc.status,
        "detail": exc.description,
    }
    media_type = PROBLEM_JSON if wants_problem_json(request) else "application/json"
    return Response(
        json.dumps(body, separators=(",", ":")).encode(),
        status_code=exc.status,
        media_type=media_type,
        headers=exc.headers,
    )


async def read_form(request: Request, known: Collection[str]) -> dict[str, str]:
    """The ``known`` parameters of the form-encoded body as a dict (see ``single_values``)."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != FORM:
        raise OAuthError("invalid_request", f"The request body must be {FORM}.")
    raw = await request.body()
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise OAuthError("invalid_request", "The form body is not valid UTF-8.") from exc
    return single_values(pairs, known)


def single_values(pairs: list[tuple[str, str]], known: Collection[str]) -> dict[str, str]:
    """The known parameters, each at most once (RFC 6749 section 3.1 and 3.2).

    Unknown parameters are ignored, as RFC 6749 demands, even when repeated; a parameter
    without a value counts as omitted; a known parameter sent twice is an error.
    """
    values: dict[str, str] = {}
    for name, value in pairs:
        if value == "" or name not in known:
            continue
        if name in values:
            raise OAuthError("invalid_request", f"The parameter {name} is repeated.")
        values[name] = value
    return values
