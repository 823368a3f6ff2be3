"""Keep credentials out of everything a run writes.

Evidence quotes real requests and responses, and those carry bearer tokens, cookies, client
assertions and refresh tokens. ``Redactor`` removes them in three ways, because no single one
is enough: by header name, by field name in JSON and form bodies and query strings, and by
value (the exact secrets the run itself used, and anything shaped like a JWT or a bearer
credential: "Bearer" followed by a credential-looking value, not by a word such as "token").
``Redactor.scrub`` walks a whole ``to_dict()`` tree as a last line of defence before a report
is written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "[REDACTED]"
# Deeper JSON is redacted as text, not walked: a walk recurses once per level, and a hostile
# answer nests thousands of levels in a few kilobytes.
MAX_DEPTH = 64
TOO_DEEP = "[NESTED TOO DEEPLY]"

SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
        "x-auth-token",
        "dpop",
    }
)
# Header names containing one of these words are treated as secret as well.
SENSITIVE_HEADER_WORDS = ("token", "secret", "password", "api-key", "apikey", "credential")

# Field names whose values are credentials, in JSON bodies, form bodies and query strings.
SENSITIVE_FIELDS = frozenset(
    {
        "access_token",
        "refresh_token",
        "id_token",
        "client_assertion",
        "client_secret",
        "subject_token",
        "actor_token",
        "assertion",
        "password",
        "token",
        "code_verifier",
        "private_key",
        "secret",
        "api_key",
        "apikey",
    }
)
# In form bodies and query strings an authorization code is a credential too; in JSON bodies
# "code" is far more often an error code, so it is only redacted in the form encoding.
SENSITIVE_FORM_FIELDS = SENSITIVE_FIELDS | {"code"}

_FIELD_ALTERNATION = "|".join(sorted(SENSITIVE_FIELDS, key=len, reverse=True))
_FORM_ALTERNATION = "|".join(sorted(SENSITIVE_FORM_FIELDS, key=len, reverse=True))

# A word of prose after "Bearer": "token", "Token.", "tokens", "access-token", "JWT", "realm=".
_PLAIN_WORD = re.compile(r"(?:[A-Za-z][a-z]{0,23}|[A-Z]{1,8})(?:-[a-z]{1,23})*[=.]?")


def looks_like_credential(value: str) -> bool:
    """A credential has digits, punctuation, mixed case or length; a word of prose has not."""
    return _PLAIN_WORD.fullmatch(value) is None


_PATTERNS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"-----BEGIN [A-Z ]+-----.*?-----END [A-Z ]+-----", re.DOTALL),
        REDACTED,
    ),
    # JWS/JWT compact serialisation: a base64url JSON header ("eyJ"), then two more parts.
    (re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*"), REDACTED),
    # "Bearer <credential>" (also Basic, DPoP): only a value that looks like a credential, so
    # that prose such as "a bearer token" or a challenge's 'Bearer realm="..."' stays readable.
    (
        re.compile(r"(?i)\b(bearer|basic|dpop)(\s+)(?!\[REDACTED\])([A-Za-z0-9._~+/=-]+)"),
        lambda match: (
            f"{match[1]}{match[2]}{REDACTED}" if looks_like_credential(match[3]) else match[0]
        ),
    ),
    # "access_token": "value" in JSON text (also when the JSON was cut off mid-document).
    (
        re.compile(r'(?i)("(?:' + _FIELD_ALTERNATION + r')"\s*:\s*)"(?:[^"\\]|\\.)*"?'),
        r'\1"' + REDACTED + '"',
    ),
    # access_token=value in form bodies, query strings and free text.
    (
        re.compile(r"(?i)(?<![A-Za-z0-9_])((?:" + _FORM_ALTERNATION + r")=)[^&\s\"']+"),
        r"\1" + REDACTED,
    ),
)


def is_sensitive_header(name: str) -> bool:
    lowered = name.lower()
    return lowered in SENSITIVE_HEADERS or any(word in lowered for word in SENSITIVE_HEADER_WORDS)


class Redactor:
    """Removes credentials from headers, bodies, URLs and free text.

    ``secrets`` are literal values the run used (tokens, static header values); they are removed
    wherever they appear, whatever shape they have.
    """

    __slots__ = ("_secrets",)

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        for secret in secrets:
            self.add_secret(secret)

    def add_secret(self, secret: str) -> None:
        # Very short values would blank out ordinary text; they are caught by name instead.
        if len(secret) >= 6 and secret not in self._secrets:
            self._secrets.append(secret)
            self._secrets.sort(key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            value = value.replace(secret, REDACTED)
        for pattern, replacement in _PATTERNS:
            value = pattern.sub(replacement, value)
        return value

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        return {
            name: REDACTED if is_sensitive_header(name) else self.text(value)
            for name, value in headers.items()
        }

    def url(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.query:
            pairs = parse_qsl(parts.query, keep_blank_values=True)
            cleaned = [
                (name, REDACTED if name.lower() in SENSITIVE_FORM_FIELDS else value)
                for name, value in pairs
            ]
            query = urlencode(cleaned, safe="[]")
            parts = parts._replace(query=query)
        return self.text(urlunsplit(parts))

    def body(self, body: str, media_type: str | None) -> str:
        """Redact a body, structurally when it is JSON or a form, then by pattern."""
        kind = (media_type or "").split(";")[0].strip().lower()
        if kind == "application/json" or kind.endswith("+json"):
            try:
                document = json.loads(body)
                return self.text(json.dumps(self._json(document, 0), ensure_ascii=False))
            except (ValueError, RecursionError, _TooDeep):
                return self.text(body)  # not JSON, or too deep to walk: by pattern alone
        return self.text(body)

    def _json(self, value: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise _TooDeep
        if isinstance(value, dict):
            return {
                key: REDACTED
                if isinstance(key, str)
                and key.lower() in SENSITIVE_FIELDS
                and value[key] is not None
                else self._json(item, depth + 1)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [self._json(item, depth + 1) for item in value]
        return value

    def scrub(self, value: Any, depth: int = 0) -> Any:
        """Redact every string in a JSON-like tree (dicts, lists, scalars); a subtree nested
        deeper than ``MAX_DEPTH`` (never in a report of ours) is replaced whole."""
        # A report repeats its strings (methods, status codes, reasons) thousands of times
        # for a large spec: each is redacted once.
        return self._scrub(value, depth, {})

    def _scrub(self, value: Any, depth: int, done: dict[str, str]) -> Any:
        if depth > MAX_DEPTH:
            return TOO_DEEP
        if isinstance(value, str):
            redacted = done.get(value)
            if redacted is None:
                redacted = done[value] = self.text(value)
            return redacted
        if isinstance(value, dict):
            return {
                key: REDACTED
                if isinstance(key, str)
                and (key.lower() in SENSITIVE_FIELDS)
                and isinstance(item, str)
                and item
                else self._scrub(item, depth + 1, done)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [self._scrub(item, depth + 1, done) for item in value]
        return value


class _TooDeep(Exception):
    """A JSON body nests deeper than MAX_DEPTH."""
