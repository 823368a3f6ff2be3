"""``@identity_check(id)``: a behaviour check that acts on a ``Provider``.

It registers like every behaviour check (``behaviour_check``), builds the ``Provider`` with
the harness's test clients and the login driver the run names (``ActiveContext.login_driver``,
else the environment's, else the test login), and turns ``CannotJudge`` into an
error observation: a check the provider did not let run proves nothing either way.
"""

from __future__ import annotations

from collections.abc import Callable

from conformance.client.harness_clients import TestClientsError, test_clients_for
from conformance.client.login import LoginDriverError, driver_for
from conformance.engine.behaviour.base import Session, behaviour_check
from conformance.engine.behaviour.identity.provider import CannotJudge, Provider

IdentityCheck = Callable[[Provider], None]
IDENTITY_CHECKS: dict[str, IdentityCheck] = {}


def identity_check(check_id: str) -> Callable[[IdentityCheck], IdentityCheck]:
    def decorator(func: IdentityCheck) -> IdentityCheck:
        def run(session: Session) -> None:
            try:
                vendor = session.ctx.vendor
                driver = driver_for(session.ctx.login_driver, vendor)
                provider = Provider(session, test_clients_for(vendor), driver)
            except (TestClientsError, LoginDriverError) as exc:
                session.findings.error("The identity checks cannot start", str(exc))
                return
            try:
                func(provider)
            except CannotJudge as exc:
                session.findings.error(exc.title, exc.message, exchange=exc.exchange)

        IDENTITY_CHECKS[check_id] = func
        behaviour_check(check_id)(run)
        return func

    return decorator
