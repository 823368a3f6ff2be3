"""Signs that an error response leaks implementation internals (sec:no-internal-details).

A stack trace or an internal file path in an error body tells an attacker which software,
version and layout sits behind the API, and often that an input reached code it should not.
"""

from __future__ import annotations

import re

LEAK_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a Python traceback", re.compile(r"Traceback \(most recent call last\)")),
    ("a Python stack frame", re.compile(r'File "[^"\n]+", line \d+')),
    ("a Java stack frame", re.compile(r"\bat [\w$.]+\([\w$]+\.(?:java|kt|scala|groovy):\d+\)")),
    ("a .NET stack frame", re.compile(r"\bat [\w.<>`]+\(.*\) in .+:line \d+")),
    ("a JavaScript stack frame", re.compile(r"\bat .+ \(.+\.(?:js|mjs|cjs|ts):\d+:\d+\)")),
    ("an uncaught exception banner", re.compile(r"Exception in thread \"|Unhandled exception\.")),
    ("a PHP error trace", re.compile(r"(?:Fatal error|Stack trace):.*\.php", re.IGNORECASE)),
    (
        "an internal file path",
        re.compile(
            r"(?<![\w/.:-])/(?:home|root|srv|opt|usr|var|app|etc|tmp|workspace|code)/[\w.@+-]+(?:/[\w.@+-]+)*"
        ),
    ),
    # One backslash as written, two as escaped inside JSON text.
    ("a Windows file path", re.compile(r"\b[A-Za-z]:\\{1,2}(?:[\w .-]+\\{1,2})+[\w .-]*")),
    ("a dependency path", re.compile(r"(?:site-packages|node_modules|dist-packages)/[\w.-]+")),
    (
        "a database error",
        re.compile(
            r"SQLSTATE\[|ORA-\d{5}|syntax error at or near|sqlite3\.\w*Error|psycopg2?\.\w*Error"
            r"|You have an error in your SQL syntax",
        ),
    ),
)

EXCERPT_WIDTH = 60


def find_leak(body: str) -> tuple[str, str] | None:
    """(what leaked, an excerpt around it) for the first internal detail in ``body``."""
    for what, pattern in LEAK_PATTERNS:
        match = pattern.search(body)
        if match:
            start = max(match.start() - EXCERPT_WIDTH // 2, 0)
            excerpt = body[start : match.end() + EXCERPT_WIDTH // 2].replace("\n", "\\n")
            return what, excerpt
    return None
