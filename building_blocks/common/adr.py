"""The NL GOV API Design Rules that hold for every response of a block: the shared ASGI
middleware (``conformance.adr_http``) with the blocks' headers, problems and crash log.
"""

from __future__ import annotations

import contextlib
import traceback

from building_blocks.common.problems import problem_body
from building_blocks.common.redact import block_logger, redact
from conformance import adr_http
from conformance.adr_http import ASGIApp, Receive, Scope, Send

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "SECURITY_HEADERS",
    "AdrMiddleware",
    "Receive",
    "Scope",
    "Send",
]

# ADR /core/transport/security-headers, plus Referrer-Policy and a CSP that also forbids
# loading anything (the APIs never serve HTML).
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"cache-control", b"no-store"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
    (b"referrer-policy", b"no-referrer"),
)

DEFAULT_MAX_BODY_BYTES = 1024 * 1024

_logger = block_logger("building_blocks.common")


def log_unhandled(exc: BaseException, scope: Scope) -> None:
    """Log a crash server-side only, secrets redacted; mark it so it is logged once."""
    if getattr(exc, "_gdi_logged", False):
        return
    text = "".join(traceback.format_exception(exc))
    _logger.error(
        "unhandled error on %s %s\n%s", scope.get("method"), redact(scope.get("path", "")), text
    )
    with contextlib.suppress(AttributeError):  # exceptions with __slots__ stay unmarked
        exc._gdi_logged = True  # type: ignore[attr-defined]


def _problem(status: int, _title: str, detail: str) -> bytes:
    return problem_body(status, detail=detail)  # titled with the status's own phrase


class AdrMiddleware(adr_http.AdrMiddleware):
    def __init__(
        self, app: ASGIApp, *, api_version: str, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    ) -> None:
        super().__init__(
            app,
            headers=((b"api-version", api_version.encode("latin-1")), *SECURITY_HEADERS),
            max_body_bytes=max_body_bytes,
            problem=_problem,
            log_crash=log_unhandled,
        )
