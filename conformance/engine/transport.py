"""Limits and credentials on the requests Schemathesis sends for a run of this engine.

- Response size: a response body larger than the run's cap is not read further; the request
  ends with ``ResponseTooLarge``, which Schemathesis reports as an error of that operation.
  A hostile or broken target cannot exhaust memory.
- Credentials: the primary subject's headers are set on every request through a
  ``requests`` auth object, asked afresh per request, so a token refreshed mid-run is used;
  except a header a negative case deliberately leaves out (Schemathesis counts the security
  scheme's ``Authorization`` among the required headers): put back, it would turn the case
  into a valid request whose acceptance is then reported as accepted invalid input.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import requests
import requests.auth
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER, HookContext

from conformance.engine.auth import Subjects

if TYPE_CHECKING:
    from schemathesis import Case


class ResponseTooLarge(requests.exceptions.RequestException):
    """The response body exceeds the run's ``max_response_bytes``."""


class _CappedBody:
    """Wraps a urllib3 response so that streaming it stops past ``limit`` bytes."""

    def __init__(self, raw: Any, limit: int) -> None:
        self._raw = raw
        self._limit = limit

    def stream(self, amt: int | None = None, decode_content: bool | None = None) -> Iterator[bytes]:
        total = 0
        for chunk in self._raw.stream(amt, decode_content=decode_content):
            total += len(chunk)
            if total > self._limit:
                self._raw.close()
                raise ResponseTooLarge(
                    f"the response body is larger than the limit of {self._limit} bytes"
                )
            yield chunk

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def _capping_hook(limit: int) -> Any:
    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            response.close()
            raise ResponseTooLarge(
                f"the response declares {declared} bytes, larger than the limit of {limit} bytes"
            )
        response.raw = _CappedBody(response.raw, limit)
        return response

    return hook


_LIMITS: dict[int, int] = {}
_LIMITS_LOCK = threading.Lock()
_INSTALLED = False


def limit_responses(schema: object, max_bytes: int) -> None:
    """Cap response bodies for every request sent for ``schema``."""
    global _INSTALLED
    with _LIMITS_LOCK:
        _LIMITS[id(schema)] = max_bytes
        if not _INSTALLED:
            # A global hook, as Schemathesis offers ``before_call`` only globally; it acts on
            # this engine's schemas alone.
            GLOBAL_HOOK_DISPATCHER.register_hook_with_name(_before_call, "before_call")
            _INSTALLED = True


def release(schema: object) -> None:
    with _LIMITS_LOCK:
        _LIMITS.pop(id(schema), None)


def _before_call(context: HookContext, case: Case, kwargs: dict[str, Any]) -> None:
    limit = _LIMITS.get(id(case.operation.schema))
    if limit is not None:
        kwargs["hooks"] = {"response": [_capping_hook(limit)]}
    auth = getattr(case, "_auth", None)  # what set_from_requests gave the case
    if isinstance(auth, SubjectAuth) and _open_operation(case):
        # security: [] (token, introspection, revocation authenticate the client in the body):
        # a bearer token there is a second client authentication a provider rightly refuses.
        kwargs["auth"] = _NoCredentials()
        return
    left_out = _left_out_headers(case)
    if isinstance(auth, SubjectAuth) and left_out:
        kwargs["auth"] = auth.without(left_out)  # explicit keyword arguments win


def _open_operation(case: Case) -> bool:
    """Whether the operation says, in so many words, that it takes no credentials
    (``security: []``); a spec that declares no security at all still gets the run's."""
    definition = getattr(getattr(case.operation, "definition", None), "raw", None)
    return isinstance(definition, dict) and definition.get("security") == []


class _NoCredentials(requests.auth.AuthBase):
    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


def _left_out_headers(case: Case) -> frozenset[str]:
    """Headers a negative case leaves out on purpose (Schemathesis strips them itself)."""
    try:
        from schemathesis.transport.prepare import get_exclude_headers
    except ImportError:  # another Schemathesis: credentials go on every request as before
        return frozenset()
    return frozenset(name.lower() for name in get_exclude_headers(case))


class SubjectAuth(requests.auth.AuthBase):
    """Puts one subject's credential headers on a request (looked up per request), but none
    of the headers in ``omit`` (lower-case names)."""

    def __init__(self, subjects: Subjects, subject: str, omit: frozenset[str] = frozenset()):
        self.subjects = subjects
        self.subject = subject
        self.omit = omit

    def without(self, names: frozenset[str]) -> SubjectAuth:
        return SubjectAuth(self.subjects, self.subject, self.omit | names)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        for name, value in self.subjects.headers_for(self.subject).items():
            if name.lower() not in self.omit:
                request.headers[name] = value
        return request
