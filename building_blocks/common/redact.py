"""Keep secrets and personal numbers out of server logs.

Everything a block logs about a failure passes through ``redact`` (and the ``building_blocks``
logger carries ``RedactingFilter``), so a token, key or BSN in an exception message or a
request path does not end up in a log file.
"""

from __future__ import annotations

import logging
import re

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # PEM blocks (private keys above all).
    (
        re.compile(r"-----BEGIN [A-Z ]+-----.*?-----END [A-Z ]+-----", re.DOTALL),
        "[REDACTED PEM]",
    ),
    # JWTs / JWS compact serialisations: three base64url parts, the first a JSON header.
    (re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*"), "[REDACTED JWT]"),
    # Authorization header values.
    (re.compile(r"(?i)\b(bearer|basic|dpop)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [REDACTED]"),
    # key=value / "key": "value" pairs whose key names a secret.
    (
        re.compile(
            r"(?i)(\"?\b(?:access_token|refresh_token|id_token|client_secret|client_assertion|"
            r"password|secret|api[_-]?key|code_verifier|authorization)\b\"?\s*[:=]\s*\"?)"
            r"[^\s\"&,}]+"
        ),
        r"\1[REDACTED]",
    ),
    # Nine-digit numbers: a BSN is personal data, never logged.
    (re.compile(r"(?<![0-9])[0-9]{9}(?![0-9])"), "[REDACTED BSN]"),
)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (arguments merged in) through ``redact``."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            # Format the traceback now so its text is redacted as well, then drop the raw info.
            formatter = logging.Formatter()
            message = f"{message}\n{formatter.formatException(record.exc_info)}"
            record.exc_info = None
            record.exc_text = None
        record.msg = redact(message)
        record.args = None
        return True


def block_logger(name: str = "building_blocks") -> logging.Logger:
    logger = logging.getLogger(name)
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
    return logger
