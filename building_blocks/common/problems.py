"""RFC 9457 problem details: the one error format every building block answers with.

``ProblemError`` can be raised anywhere in a block (route, dependency, storage helper); the app
factory turns it into an ``application/problem+json`` response. ``problem_response`` builds the
same response directly, ``problem_body`` the bytes (used by the ASGI layer below the router).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from starlette.responses import Response

PROBLEM_JSON = "application/problem+json"


def status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


@dataclass(frozen=True, slots=True)
class InvalidParam:
    """One entry of ``invalidParams``: which input (``name``), a short machine ``code``, a
    human ``reason``. The reason never repeats the submitted value (it may be a BSN or a secret)."""

    name: str
    code: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "code": self.code, "reason": self.reason}


class ProblemError(Exception):
    """Raise to answer with a problem+json response.

    ``extensions`` become extra members of the body (e.g. ``invalidParams=[...]``); ``headers``
    are added to the response (e.g. ``WWW-Authenticate``).
    """

    def __init__(
        self,
        status: int,
        title: str | None = None,
        detail: str | None = None,
        *,
        type: str = "about:blank",
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        self.status = status
        self.title = title or status_phrase(status)
        self.detail = detail or self.title
        self.type = type
        self.headers = dict(headers or {})
        self.extensions = extensions
        super().__init__(f"{status} {self.title}: {self.detail}")

    def to_dict(self) -> dict[str, Any]:
        return problem_dict(self.status, self.title, self.detail, type=self.type, **self.extensions)


def invalid_input(
    params: Sequence[InvalidParam], detail: str = "The request contains invalid input."
) -> ProblemError:
    """The 400 problem ADR prescribes for invalid input (``/core/error-handling/invalid-input``)."""
    return ProblemError(
        400, "Bad Request", detail, invalidParams=[param.as_dict() for param in params]
    )


def problem_dict(
    status: int, title: str, detail: str, *, type: str = "about:blank", **extensions: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"type": type, "title": title, "status": status, "detail": detail}
    for key, value in extensions.items():
        if key not in body and value is not None:
            body[key] = _as_json(value)
    return body


def _as_json(value: Any) -> Any:
    if isinstance(value, InvalidParam):
        return value.as_dict()
    if isinstance(value, list | tuple):
        return [_as_json(item) for item in value]
    return value


def problem_body(
    status: int, title: str | None = None, detail: str | None = None, **extensions: Any
) -> bytes:
    title = title or status_phrase(status)
    body = problem_dict(status, title, detail or title, **extensions)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def problem_response(
    status: int,
    title: str | None = None,
    detail: str | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> Response:
    """A ready problem+json response (the ``problem()`` helper of the shared design)."""
    return Response(
        content=problem_body(status, title, detail, **extensions),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=dict(headers or {}),
    )


problem = problem_response


def error_response(exc: ProblemError) -> Response:
    return Response(
        content=json.dumps(exc.to_dict(), ensure_ascii=False, separators=(",", ":")).encode(),
        status_code=exc.status,
        media_type=PROBLEM_JSON,
        headers=exc.headers,
    )
