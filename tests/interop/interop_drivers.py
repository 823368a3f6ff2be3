"""A login driver as a vendor would plug one in (``--login-driver interop_drivers:counting``):
here it delegates to the test login and counts the citizens it logged in."""

from __future__ import annotations

from conformance.client.login import LoginRequest, test_login

LOGGED_IN: list[str] = []


def counting(request: LoginRequest) -> str:
    LOGGED_IN.append(request.citizen_bsn)
    return test_login(request)
