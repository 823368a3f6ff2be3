"""openapi:exchange-valid: an independent validation of responses with openapi-core.

Schemathesis validates what it generated with its own validator; this check runs the
exchanges again through openapi-core (another implementation of OpenAPI and JSON Schema), and
is the only validation for exchanges Schemathesis never sees: the engine's own probes and
the active checks plugged into it. A disagreement between the two validators is a finding
too, because clients use both kinds of libraries.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlsplit

from openapi_core import Config, OpenAPI
from openapi_core.deserializing.media_types.datatypes import MediaTypeDeserializersDict
from openapi_core.templating.paths.exceptions import PathNotFound
from openapi_core.testing import MockRequest, MockResponse
from werkzeug.datastructures import ImmutableMultiDict


def _json_loads(value: bytes) -> Any:
    return json.loads(value)


# Media types openapi-core does not know as JSON by itself.
_EXTRA_DESERIALIZERS: MediaTypeDeserializersDict = {
    "application/problem+json": _json_loads,
    "application/hal+json": _json_loads,
    "application/merge-patch+json": _json_loads,
    "application/geo+json": _json_loads,
    "application/cloudevents+json": _json_loads,
}


@dataclass(frozen=True, slots=True)
class ExchangeProblem:
    title: str
    message: str


# Identical answers are common (the same 400 problem for many invalid inputs): each distinct
# exchange is validated once. Bounded, so a long run cannot grow it without limit.
MEMO_SIZE = 4096
_IGNORED_HEADERS = frozenset({"date"})


class ExchangeValidator:
    """Validates (request, response) pairs against one spec, served at ``base_url``."""

    def __init__(self, document: Mapping[str, Any], base_url: str) -> None:
        # The target lives at base_url, wherever the spec's own servers point. openapi-core
        # only reads the document: a shallow copy with other servers will do.
        spec = {**document, "servers": [{"url": base_url.rstrip("/")}]}
        self._api = OpenAPI.from_dict(
            spec, config=Config(extra_media_type_deserializers=_EXTRA_DESERIALIZERS)
        )
        self._memo: dict[tuple[object, ...], ExchangeProblem | bool | None] = {}

    def validate(
        self,
        *,
        method: str,
        url: str,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
    ) -> ExchangeProblem | bool | None:
        """A problem, None when the response is valid, or True when no operation matches."""
        parts = urlsplit(url)
        # The verdict depends on the operation (method and path), never on the query string.
        key = (
            method.lower(),
            parts.scheme,
            parts.netloc,
            parts.path,
            status,
            tuple(
                sorted(
                    (name.lower(), value)
                    for name, value in headers.items()
                    if name.lower() not in _IGNORED_HEADERS
                )
            ),
            hashlib.blake2b(body, digest_size=20).digest(),
        )
        if key in self._memo:
            return self._memo[key]
        result = self._validate(parts, method, status, headers, body)
        if len(self._memo) >= MEMO_SIZE:
            self._memo.clear()
        self._memo[key] = result
        return result

    def _validate(
        self,
        parts: SplitResult,
        method: str,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
    ) -> ExchangeProblem | bool | None:
        request = MockRequest(
            f"{parts.scheme}://{parts.netloc}",
            method.lower(),
            parts.path,
            args=ImmutableMultiDict(parse_qsl(parts.query, keep_blank_values=True)),
        )
        content_type = next(
            (value for name, value in headers.items() if name.lower() == "content-type"), ""
        )
        response = MockResponse(body, status, headers=dict(headers), content_type=content_type)
        for error in self._api.iter_response_errors(request, response):
            if isinstance(error, PathNotFound) or type(error).__name__ in (
                "OperationNotFound",
                "ServerNotFound",
            ):
                return True
            cause = error.__cause__
            details = getattr(cause, "schema_errors", None)
            if details:
                message = "; ".join(_first_line(str(item)) for item in details)
            else:
                message = _first_line(str(cause or error))
            return ExchangeProblem(title=_title(error), message=message)
        return None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def _title(error: Exception) -> str:
    names = [type(error).__name__]
    if error.__cause__ is not None:
        names.insert(0, type(error.__cause__).__name__)
    titles = {
        "ResponseNotFound": "Undeclared response status (openapi-core)",
        "MediaTypeNotFound": "Undeclared response content type (openapi-core)",
        "InvalidData": "Response body does not match its schema (openapi-core)",
        "DataValidationError": "Response body does not match its schema (openapi-core)",
        "MissingHeader": "Required response header missing (openapi-core)",
        "MissingRequiredHeader": "Required response header missing (openapi-core)",
        "InvalidHeader": "Response header does not match its schema (openapi-core)",
    }
    for name in names:
        if name in titles:
            return titles[name]
    return f"Response rejected by openapi-core ({names[-1]})"
