"""What every behaviour check shares: a session, replies, findings and the registration.

A behaviour check is a function ``(Session) -> None`` registered with ``@behaviour_check(id)``.
It talks to the API through ``session.call`` (every request goes through the engine's
``HttpClient``, so it is timed out, size-capped and never follows a redirect), and records
what it saw in ``session.findings``: a pass, or a failure with the exchange that shows it.
Raising ``Disagreement`` ends the scenario with a failure; a crash, a request without an
answer or missing credentials end it as an error. Nothing a target does makes a check raise
into the engine.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urljoin

from conformance.client.login import LoginDriverError, driver_for
from conformance.client.reply import Reply
from conformance.engine.behaviour.roles import Role, Roles, RoleUnavailable
from conformance.engine.behaviour.settings import BehaviourSettings, SettingError
from conformance.engine.catalogue import BEHAVIOUR, CheckDef, Kind, declare
from conformance.engine.checks.active import ActiveContext, LoginTrace, Observation, active_check
from conformance.engine.openapi.operations import OperationInfo
from conformance.engine.verdict.facts import RECORDED
from conformance.httplimits import Exchange
from conformance.results import Outcome


class NoAnswer(Exception):
    """A request got no HTTP answer (timeout, refused connection): the check cannot judge."""

    def __init__(self, exchange: Exchange) -> None:
        super().__init__(exchange.error or "no answer")
        self.exchange = exchange


class CannotJudge(Exception):
    """The target lacks what the check needs (e.g. its test data): an error, not a failure."""


class Stopped(Exception):
    """The run is stopping (budget spent, interrupted): send nothing more."""


class Disagreement(Exception):
    """The implementation did something the requirement forbids; ends the scenario."""

    def __init__(
        self,
        title: str,
        message: str,
        reply: Reply | None = None,
        *,
        operation: str | None = None,
        category: str | None = None,
    ) -> None:
        super().__init__(message)
        self.title = title
        self.message = message
        self.reply = reply
        self.operation = operation
        self.category = category  # which check of a shared scenario it belongs to


def disagree_if(
    problems: list[str], title: str, lead: str, reply: Reply | None, *, operation: str
) -> None:
    """End the scenario with a Disagreement listing ``problems`` after ``lead: ``, if any."""
    if problems:
        raise Disagreement(
            title, f"{lead}: " + "; ".join(problems) + ".", reply, operation=operation
        )


@dataclass(slots=True)
class Findings:
    check: str
    operations: Mapping[str, OperationInfo]
    observations: list[Observation] = field(default_factory=list)

    def _operation(self, operation_id: str | None) -> OperationInfo | None:
        return self.operations.get(operation_id) if operation_id else None

    def _add(
        self,
        outcome: Outcome,
        title: str,
        message: str,
        operation: str | None,
        reply: Reply | None,
        exchange: Exchange | None = None,
    ) -> None:
        self.observations.append(
            Observation(
                check=self.check,
                outcome=outcome,
                title=title,
                message=message,
                operation=self._operation(operation),
                exchange=reply.exchange if reply is not None else exchange,
                subject=reply.role if reply is not None else None,
            )
        )

    def passed(self, operation: str | None = None, reply: Reply | None = None) -> None:
        self._add(Outcome.PASSED, "", "", operation, reply)

    def failed(
        self, title: str, message: str, *, operation: str | None = None, reply: Reply | None = None
    ) -> None:
        self._add(Outcome.FAILED, title, message, operation, reply)

    def error(
        self,
        title: str,
        message: str,
        *,
        operation: str | None = None,
        exchange: Exchange | None = None,
    ) -> None:
        self._add(Outcome.ERROR, title, message, operation, None, exchange)

    def login(self, trace: LoginTrace) -> None:
        """A login of a test citizen the check made: its steps are shown, not judged."""
        self.observations.append(
            Observation(check=self.check, outcome=Outcome.PASSED, title="Login", login=trace)
        )

    def record(self, disagreement: Disagreement) -> None:
        self.failed(
            disagreement.title,
            disagreement.message,
            operation=disagreement.operation,
            reply=disagreement.reply,
        )

    @property
    def has_failures(self) -> bool:
        return any(item.outcome is Outcome.FAILED for item in self.observations)


class Session:
    """One behaviour check's view of the run: requests as a role, findings, settings, seed."""

    def __init__(self, ctx: ActiveContext, check: str, settings: BehaviourSettings) -> None:
        self.ctx = ctx
        self.check = check
        self.settings = settings
        self.seed = ctx.seed
        self.findings = Findings(
            check, {item.operation_id: item for item in ctx.operations if item.operation_id}
        )
        # A citizen's login is evidence of the check that needed it.
        self.roles = Roles(
            ctx.subjects, self.seed, **citizen_logins(ctx), on_login=self.findings.login
        )
        # Values a check invents (names, keys) come from here, so a seed repeats a run exactly.
        self.random = random.Random(f"{self.seed}:{check}")

    def url(self, path: str, query: Mapping[str, Any] | None = None) -> str:
        url = path if path.startswith(("http://", "https://")) else self.ctx.url(path)
        if query:
            url += ("&" if "?" in url else "?") + urlencode(query)
        return url

    def resolve(self, reference: str) -> str:
        """A URI reference from a response (Location, a link), made absolute."""
        return urljoin(self.ctx.base_url + "/", reference)

    def call(
        self,
        role: Role | None,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Reply:
        """Send one request as ``role`` (None: without credentials); raise on no answer."""
        if self.ctx.stopped:
            raise Stopped
        sent = dict(self.roles.headers(role)) if role else {}
        content = raw
        if body is not None:
            content = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        sent.setdefault("Accept", "application/json, application/problem+json")
        sent.update(headers or {})
        exchange = self.ctx.http.send(method, self.url(path, query), headers=sent, body=content)
        if exchange.response is None:
            raise NoAnswer(exchange)
        return Reply(exchange, role.name if role else None)

    def token_id(self) -> str:
        """A fresh identifier for keys and marker texts (deterministic per seed)."""
        return f"{self.random.getrandbits(128):032x}"


BehaviourFunction = Callable[[Session], None]
BEHAVIOUR_CHECKS: dict[str, BehaviourFunction] = {}


def citizen_logins(ctx: ActiveContext) -> dict[str, Any]:
    """How the roles' citizens log in: the run's login driver (the command line's, else the
    vendor file's, else the environment's, else the test login) and the vendor file's test
    citizens (none: synthetic ones)."""
    try:
        driver = driver_for(ctx.login_driver, ctx.vendor)
    except LoginDriverError:
        return {}  # the run refused such a driver before it started
    identity = ctx.vendor.block("identity") if ctx.vendor is not None else None
    citizens = [(item.bsn, dict(item.fields)) for item in identity.citizens] if identity else []
    return {"driver": driver, "citizens": citizens}


# A behaviour check records a pass only where its scenario reached a judgement.
REACHED_JUDGEMENT = RECORDED.named(
    "a scenario that reached its judgement", "no scenario of the check reached a judgement"
)


def behaviour_check(check_id: str) -> Callable[[BehaviourFunction], BehaviourFunction]:
    """Declare ``func`` in the catalogue as the behaviour check ``check_id`` (run in the order
    of declaration, after the probes); see the module docstring."""

    def decorator(func: BehaviourFunction) -> BehaviourFunction:
        BEHAVIOUR_CHECKS[check_id] = func
        summary = (func.__doc__ or "").strip().splitlines()
        declare(
            CheckDef(
                id=check_id,
                kind=Kind.BEHAVIOUR,
                applies_to=summary[0] if summary else check_id,
                precondition=REACHED_JUDGEMENT,
                order=BEHAVIOUR + len(BEHAVIOUR_CHECKS),
            )
        )

        def run(ctx: ActiveContext) -> Iterator[Observation]:
            try:
                settings = BehaviourSettings.from_environment()
            except SettingError as exc:
                yield Observation(check_id, Outcome.ERROR, "Unusable setting", str(exc))
                return
            yield from carry_out(func, Session(ctx, check_id, settings))

        active_check(check_id)(run)
        return func

    return decorator


def carry_out(func: BehaviourFunction, session: Session) -> list[Observation]:
    findings = session.findings
    try:
        func(session)
    except Stopped:
        pass
    except Disagreement as disagreement:
        findings.record(disagreement)
    except CannotJudge as exc:
        findings.error("Cannot judge", str(exc))
    except RoleUnavailable as exc:
        findings.error("No credentials for a role the check needs", str(exc))
    except NoAnswer as exc:
        sent = exc.exchange.request
        findings.error("No answer", f"{sent.method} {sent.url}: {exc}", exchange=exc.exchange)
    except Exception as exc:  # a bug in a check must not end the whole run
        findings.error("The check crashed", f"{type(exc).__name__}: {exc}")
    return findings.observations


def expect_status(
    reply: Reply, expected: int | tuple[int, ...], title: str, why: str, *, operation: str
) -> None:
    wanted = expected if isinstance(expected, tuple) else (expected,)
    if reply.status not in wanted:
        shown = " or ".join(str(item) for item in wanted)
        raise Disagreement(
            title, f"{reply.describe()}, expected {shown}: {why}", reply, operation=operation
        )
