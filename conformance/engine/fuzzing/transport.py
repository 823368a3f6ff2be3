"""Limits and credentials on the requests Schemathesis sends for a run of this engine.

- Response size, time and depth, by the rules of ``conformance.httplimits`` (the one HTTP stack:
  its ``bounded_chunks``, ``too_deep`` and messages, not a second implementation): a body
  larger than the run's cap is not read further, an answer (status line, headers and body
  together) still coming at the request timeout is cut there (a watchdog shuts the connection
  down, as a read waiting for the next byte cannot see the clock; ``abort_requests`` does so at
  once when the run stops), and a JSON body nested deeper than ``MAX_JSON_DEPTH`` is refused
  before anything parses it. The request ends with ``ResponseTooLarge`` (``ResponseTooSlow``,
  ``ResponseTooDeep``), which Schemathesis reports as an error of that operation: the cut body
  of a case is not judged, where the harness's own client hands a check the part it read. The
  limits are set on every session Schemathesis makes for the run, so its own capability probes
  (sent before the first case, outside any hook for cases) get them too. A hostile target
  cannot exhaust memory.
- Cookies: none kept, as in ``HttpClient``: every session's jar is ``httplimits.NoCookies``
  (Schemathesis's own sessions drop them only after each request, not between a redirect's
  hops or on its capability probes).
- Redirects: never followed, as in ``HttpClient``: a redirect is the answer to judge.
  Schemathesis follows one within the same host unless the operation documents a 3xx.
- Credentials: the primary subject's headers are set on every request through a
  ``requests`` auth object, asked afresh per request, so a token refreshed mid-run is used;
  except a header a negative case deliberately leaves out (Schemathesis counts the security
  scheme's ``Authorization`` among the required headers): put back, it would turn the case
  into a valid request whose acceptance is then reported as accepted invalid input.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import requests
import requests.adapters
import requests.auth
import requests.cookies
from schemathesis import HookContext
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from conformance.client.credentials import Subjects
from conformance.engine.fuzzing import internals
from conformance.httplimits import (
    NoCookies,
    ReceivedResponse,
    TooLarge,
    TooSlow,
    Watchdog,
    bounded_chunks,
    late,
    too_deep,
    too_large,
)

if TYPE_CHECKING:
    from schemathesis.specs.openapi.schemas import (
        OpenApiCase as Case,
    )  # Case of an OpenAPI operation


class ResponseTooLarge(requests.exceptions.RequestException):
    """The response body exceeds the run's ``max_response_bytes``."""


class ResponseTooSlow(requests.exceptions.RequestException):
    """The whole answer did not come within the request timeout."""


class ResponseTooDeep(requests.exceptions.RequestException):
    """The response body nests deeper than any parser of the run may follow."""


class _NoCookies(NoCookies, requests.cookies.RequestsCookieJar):
    """``httplimits.NoCookies`` in the type a ``requests`` session keeps."""


class _CappedBody:
    """Wraps a urllib3 response so that streaming it is held to ``bounded_chunks``."""

    def __init__(self, raw: Any, limit: int, timeout: float, deadline: float) -> None:
        self._raw = raw
        self._limit = limit
        self._timeout = timeout
        self._deadline = deadline

    def stream(self, amt: int | None = None, decode_content: bool | None = None) -> Iterator[bytes]:
        chunks = self._raw.stream(amt, decode_content=decode_content)
        try:
            yield from bounded_chunks(chunks, self._limit, self._deadline)
        except TooLarge as exc:
            self._raw.close()
            raise ResponseTooLarge(str(exc)) from exc
        except TooSlow as exc:
            self._raw.close()
            raise ResponseTooSlow(late(self._timeout)) from exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def _read_within(response: requests.Response, limit: int, timeout: float, deadline: float) -> None:
    """Read ``response``'s body now, within the limits, so that its depth is known before
    anyone parses it."""
    if getattr(response, "_gdi_read", False):
        return
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        response.close()
        raise ResponseTooLarge(too_large(limit))
    response.raw = _CappedBody(response.raw, limit, timeout, deadline)
    content = response.content
    response._gdi_read = True  # type: ignore[attr-defined]
    media_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    problem = too_deep(content, media_type)
    if problem is not None:
        raise ResponseTooDeep(problem)


def received_of(response: Any) -> ReceivedResponse:
    """An answer Schemathesis read (its ``Response``) in the form of the harness's own client's
    (header names lower-case, repeated ones joined with ", "), so that both are shown and
    redacted by one function (``verdict.evidence.received_evidence``)."""
    return ReceivedResponse(
        status=response.status_code,
        headers={name.lower(): ", ".join(values) for name, values in response.headers.items()},
        body=response.content or b"",
        elapsed_ms=response.elapsed * 1000,
    )


def _capping_hook(limit: int, timeout: float) -> Any:
    """The limits as a response hook, for a session Schemathesis made without them (see
    ``_limit_sessions``); a no-op on an answer the session's adapter has read already."""

    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        _read_within(response, limit, timeout, time.monotonic() + timeout)
        return response

    return hook


_LIMITS: dict[int, tuple[int, float]] = {}  # id of a schema's config: (max bytes, timeout)
_WATCHDOGS: dict[int, list[Watchdog]] = {}  # id of a schema's config: its sessions' watchdogs
_LIMITS_LOCK = threading.Lock()
_INSTALLED = False


def limit_responses(schema: Any, max_bytes: int) -> None:
    """Limit the responses of every request Schemathesis sends for ``schema``."""
    global _INSTALLED
    timeout = schema.config.request_timeout or 10.0
    with _LIMITS_LOCK:
        _LIMITS[id(schema.config)] = (max_bytes, timeout)
        if not _INSTALLED:
            # A global hook, as Schemathesis offers ``before_call`` only globally; it acts on
            # this engine's schemas alone.
            internals.register_global_hook(_before_call, "before_call")
            _limit_sessions()
            _INSTALLED = True


def release(schema: Any) -> None:
    with _LIMITS_LOCK:
        _LIMITS.pop(id(schema.config), None)
        for watchdog in _WATCHDOGS.pop(id(schema.config), []):
            watchdog.close()


def abort_requests(schema: Any) -> None:
    """Cut every request in progress for ``schema`` and fail every later one at once: the run
    is stopping."""
    with _LIMITS_LOCK:
        watchdogs = list(_WATCHDOGS.get(id(schema.config), []))
    for watchdog in watchdogs:
        watchdog.abort()


_CURRENT = threading.local()  # the watchdog of the request this thread is sending


def _watched(sock: Any) -> None:
    watchdog = getattr(_CURRENT, "watchdog", None)
    if watchdog is not None and sock is not None:
        watchdog.opened(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _watched(self.sock)


class _WatchedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _watched(self.sock)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _BoundedAdapter(requests.adapters.HTTPAdapter):
    """Sends a request and reads its whole answer, status line, headers and body, within the
    limits: the watchdog cuts whatever is still coming at the request timeout."""

    def __init__(self, limit: int, timeout: float, watchdog: Watchdog) -> None:
        self._limit = limit
        self._timeout = timeout
        self._watchdog = watchdog
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPPool,
            "https": _WatchedHTTPSPool,
        }

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        _CURRENT.watchdog = self._watchdog
        token = self._watchdog.watch(self._timeout)
        deadline = time.monotonic() + self._timeout
        try:
            response = super().send(request, *args, **kwargs)
            _read_within(response, self._limit, self._timeout, deadline)
            return response
        except (ResponseTooLarge, ResponseTooDeep, ResponseTooSlow):
            raise
        except requests.exceptions.RequestException as exc:
            if self._watchdog.done(token) or self._watchdog.aborted:
                raise ResponseTooSlow(late(self._timeout, aborted=self._watchdog.aborted)) from exc
            raise
        finally:
            self._watchdog.done(token)
            _CURRENT.watchdog = None


def _no_redirect(response: requests.Response) -> None:
    """``requests.Session.get_redirect_target`` of a limited session: a redirect is never
    followed, it is the answer to judge (as ``HttpClient`` does)."""
    return None


def _limit_sessions() -> None:
    """Every session Schemathesis makes for a limited schema gets the limits as a response hook.

    Its capability probes are sent on such a session outside every hook for cases (see
    ``internals.wrap_session_factory``).
    """
    internals.wrap_session_factory(_limited)


def _limited(make_session: Callable[..., requests.Session]) -> Callable[..., requests.Session]:
    def limited_session(config: Any, *args: Any, **kwargs: Any) -> requests.Session:
        session = make_session(config, *args, **kwargs)
        with _LIMITS_LOCK:
            limits = _LIMITS.get(id(config))
            if limits is None:
                return session
            watchdog = Watchdog()
            _WATCHDOGS.setdefault(id(config), []).append(watchdog)
        session.cookies = _NoCookies()
        session.get_redirect_target = _no_redirect  # type: ignore[method-assign, assignment]
        adapter = _BoundedAdapter(*limits, watchdog)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    return limited_session


def _before_call(context: HookContext, case: Case, kwargs: dict[str, Any]) -> None:
    limits = _LIMITS.get(id(getattr(case.operation.schema, "config", None)))
    if limits is not None:
        kwargs["hooks"] = {"response": [_capping_hook(*limits)]}
        kwargs["allow_redirects"] = False
    auth = internals.case_auth(case)
    if isinstance(auth, SubjectAuth) and _open_operation(case):
        # security: [] (token, introspection, revocation authenticate the client in the body):
        # a bearer token there is a second client authentication a provider rightly refuses.
        kwargs["auth"] = _NoCredentials()
        return
    left_out = internals.left_out_headers(case)
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
