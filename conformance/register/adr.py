"""The NL GOV API Design Rules every response of the register follows: the shared ASGI
middleware (``conformance.adr_http``) with the register's headers and words. Pages set their
own, wider Content-Security-Policy (their stylesheet and badges); everything else loads nothing.
A trailing slash is a 404, except the site's root."""

from __future__ import annotations

import json
import logging
from typing import Any

from conformance import adr_http
from conformance.adr_http import PROBLEM_JSON, ASGIApp, Scope

__all__ = ["PROBLEM_JSON", "AdrMiddleware", "problem_body"]

DEFAULT_CSP = b"default-src 'none'; frame-ancestors 'none'"
SECURITY_HEADERS = (
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)

_logger = logging.getLogger("conformance.register")


def problem_body(status: int, title: str, detail: str, **extra: Any) -> bytes:
    document = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    document.update(extra)
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def _log_crash(exc: BaseException, scope: Scope) -> None:
    _logger.error("unhandled error on %s %s", scope.get("method"), scope.get("path"), exc_info=exc)


class AdrMiddleware(adr_http.AdrMiddleware):
    def __init__(self, app: ASGIApp, *, api_version: str, max_body_bytes: int) -> None:
        super().__init__(
            app,
            headers=((b"api-version", api_version.encode("ascii")), *SECURITY_HEADERS),
            default_headers=((b"content-security-policy", DEFAULT_CSP),),
            max_body_bytes=max_body_bytes,
            problem=problem_body,
            log_crash=_log_crash,
            too_large="The request body is larger than {limit} bytes; nothing was stored.",
            crashed="The register could not complete the request.",
            slash_allowed=frozenset({"/"}),
        )
