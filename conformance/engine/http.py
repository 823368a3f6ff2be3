"""The HTTP client of the engine's own probes and of plugged-in active checks.

It never follows a redirect (a redirect is an answer to judge, and following one to another
host would send credentials there), reads at most ``max_response_bytes`` of a body, times
every request out, and turns every transport failure into an ``Exchange`` with an error
instead of an exception: one unreachable endpoint must not crash a run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import httpx

USER_AGENT = "gdi-conformance"


@dataclass(slots=True)
class SentRequest:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass(slots=True)
class ReceivedResponse:
    status: int
    headers: dict[str, str]  # names lower-case; repeated headers joined with ", "
    body: bytes
    truncated: bool = False
    elapsed_ms: float = 0.0

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def media_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()


@dataclass(slots=True)
class Exchange:
    request: SentRequest
    response: ReceivedResponse | None = None
    error: str | None = None  # why no response was received


class HttpClient:
    def __init__(self, *, timeout: float, max_response_bytes: int, verify: bool = True) -> None:
        self.max_response_bytes = max_response_bytes
        self._client = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            verify=verify,
            headers={"User-Agent": USER_AGENT},
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> Exchange:
        sent = SentRequest(method=method.upper(), url=url, headers=dict(headers or {}), body=body)
        started = time.perf_counter()
        try:
            with self._client.stream(
                sent.method, url, headers=sent.headers, content=body
            ) as answer:
                content, truncated = self._read(answer)
                sent.headers = dict(answer.request.headers)
                received = ReceivedResponse(
                    status=answer.status_code,
                    headers={
                        name.lower(): ", ".join(answer.headers.get_list(name))
                        for name in answer.headers
                    },
                    body=content,
                    truncated=truncated,
                    elapsed_ms=(time.perf_counter() - started) * 1000,
                )
        except httpx.TimeoutException:
            return Exchange(sent, error=f"no answer within {self._client.timeout.read}s")
        except httpx.HTTPError as exc:
            return Exchange(sent, error=f"{type(exc).__name__}: {exc}")
        return Exchange(sent, received)

    def _read(self, answer: httpx.Response) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        for chunk in answer.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_response_bytes:
                return b"".join(chunks)[: self.max_response_bytes], True
        return b"".join(chunks), False
