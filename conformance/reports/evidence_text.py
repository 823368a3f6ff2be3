"""Evidence as plain text, for writers without markup (JUnit bodies, terminal output)."""

from __future__ import annotations

from conformance.results import Evidence, HttpRequest, HttpResponse

INDENT = "  "


def _headers(headers: dict[str, str]) -> list[str]:
    return [f"{INDENT}{name}: {value}" for name, value in headers.items()]


def _body(body: str | None, size: int, truncated: bool) -> list[str]:
    if not body:
        return []
    lines = [INDENT + line for line in body.splitlines() or [""]]
    if truncated:
        lines.append(f"{INDENT}... (cut off; {size} bytes in all)")
    return lines


def request_lines(request: HttpRequest) -> list[str]:
    lines = [f"Request: {request.method} {request.url}", *_headers(request.headers)]
    return lines + _body(request.body, request.body_bytes, request.body_truncated)


def response_lines(response: HttpResponse) -> list[str]:
    took = f" after {response.elapsed_ms:.0f} ms" if response.elapsed_ms is not None else ""
    lines = [f"Response: {response.status}{took}", *_headers(response.headers)]
    return lines + _body(response.body, response.body_bytes, response.body_truncated)


def where(evidence: Evidence) -> str:
    parts = []
    if evidence.operation:
        parts.append(
            evidence.operation + (f" ({evidence.operation_id})" if evidence.operation_id else "")
        )
    else:
        parts.append("the API as a whole")
    if evidence.phase:
        parts.append(f"phase {evidence.phase}")
    if evidence.subject:
        parts.append(f"as {evidence.subject}")
    return ", ".join(parts)


def evidence_text(evidence: Evidence) -> str:
    times = f" ({evidence.occurrences} times)" if evidence.occurrences > 1 else ""
    lines = [
        f"[{evidence.check}] {evidence.title}{times}",
        f"Where: {where(evidence)}",
        evidence.message,
    ]
    if evidence.exception:
        lines.append(f"Explained by profile exception {evidence.exception}")
    if evidence.request is not None:
        lines += request_lines(evidence.request)
    if evidence.response is not None:
        lines += response_lines(evidence.response)
    if evidence.curl:
        lines += ["Reproduce with:", INDENT + evidence.curl]
    return "\n".join(lines)
