"""The run's credentials go on every request but the headers a negative case leaves out."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import requests
import schemathesis.transport.prepare as prepare

from conformance.client.credentials import StaticHeaders, Subjects
from conformance.engine.fuzzing.transport import SubjectAuth, _before_call

CREDENTIALS = {"Authorization": "Bearer s3cr3t-0123456789", "X-Api-Key": "k-0123456789"}


def prepared() -> requests.PreparedRequest:
    return requests.Request("GET", "http://127.0.0.1:9/x").prepare()


def test_every_credential_header_is_set_but_the_omitted_ones() -> None:
    auth = SubjectAuth(Subjects({"primary": StaticHeaders(CREDENTIALS)}), "primary")
    assert dict(auth(prepared()).headers).items() >= CREDENTIALS.items()
    sent = auth.without(frozenset({"authorization"}))(prepared()).headers
    assert "Authorization" not in sent and sent["X-Api-Key"] == "k-0123456789"


@pytest.mark.parametrize(
    ("left_out", "omitted"), [(["Authorization"], {"authorization"}), ([], None)]
)
def test_a_negative_case_leaving_out_the_authorization_header_is_sent_without_it(
    monkeypatch: pytest.MonkeyPatch, left_out: list[str], omitted: set[str] | None
) -> None:
    monkeypatch.setattr(prepare, "get_exclude_headers", lambda case: left_out)
    auth = SubjectAuth(Subjects({"primary": StaticHeaders(CREDENTIALS)}), "primary")
    case = SimpleNamespace(_auth=auth, operation=SimpleNamespace(schema=object()))
    kwargs: dict = {}
    _before_call(None, case, kwargs)  # type: ignore[arg-type]
    if omitted is None:
        assert "auth" not in kwargs  # the case's own auth: credentials on the request
    else:
        assert kwargs["auth"].omit == omitted
        assert "Authorization" not in kwargs["auth"](prepared()).headers


@pytest.mark.parametrize(
    ("security", "sent"), [([], False), ([{"bearer": []}], True), (None, True)]
)
def test_no_credentials_for_an_operation_declared_security_none(
    monkeypatch: pytest.MonkeyPatch, security: list | None, sent: bool
) -> None:
    """security: [] (an OAuth token endpoint authenticates the client in its body): the
    primary subject's bearer token would be a second client authentication."""
    monkeypatch.setattr(prepare, "get_exclude_headers", lambda case: [])
    auth = SubjectAuth(Subjects({"primary": StaticHeaders(CREDENTIALS)}), "primary")
    raw = {"operationId": "token"} | ({} if security is None else {"security": security})
    operation = SimpleNamespace(schema=object(), definition=SimpleNamespace(raw=raw))
    kwargs: dict = {}
    _before_call(None, SimpleNamespace(_auth=auth, operation=operation), kwargs)  # type: ignore[arg-type]
    headers = kwargs.get("auth", auth)(prepared()).headers
    assert ("Authorization" in headers) is sent
