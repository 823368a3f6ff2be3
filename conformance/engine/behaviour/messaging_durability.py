"""bb:messaging:durability: an acknowledged message and its notification survive a crash.

The harness cannot crash an implementation it did not start, so the crash comes from whoever
runs it: the run's restart hook when the harness started the implementation itself
(``certify --reference`` kills the block with SIGKILL and starts it again on the same port and
data), otherwise a command the vendor names (``GDI_CONFORMANCE_RESTART_COMMAND``: kill without
warning, start again). Either way no shutdown code may run: a graceful stop would prove nothing
about a crash. The check subscribes a receiver that refuses every delivery (so the event stays
pending), sends a message, waits for the first attempt, crashes and restarts the
implementation, and then wants the message still there for its recipient and the pending event
delivered once the receiver accepts.
"""

from __future__ import annotations

import shlex
import subprocess
import time
from collections.abc import Callable

from conformance.client.receiver import Delivery, Receiver
from conformance.client.reply import Reply
from conformance.engine.behaviour.base import CannotJudge, Disagreement, Session, behaviour_check
from conformance.engine.behaviour.messaging_data import (
    CITIZEN,
    GET,
    RECEIVED,
    SEND,
    SENDER,
    delivery_exchange,
    sent,
    subscription,
    to_citizen,
)
from conformance.engine.behaviour.messaging_events import about, await_delivery

NO_CRASH = (
    "proving that nothing acknowledged is lost in a crash takes a crash: set "
    "GDI_CONFORMANCE_RESTART_COMMAND to a command that kills the implementation "
    "without warning and starts it again"
)


class Gate:
    """A receiver policy that refuses deliveries (503) until it is opened."""

    def __init__(self) -> None:
        self.open = False

    def __call__(self, delivery: Delivery, earlier: list[Delivery]) -> int:
        return 204 if self.open else 503


def _run_restart_command(command: str, timeout: float) -> None:
    try:
        done = subprocess.run(
            shlex.split(command), capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        raise CannotJudge(f"the restart command {command!r} could not be run: {exc}") from exc
    if done.returncode != 0:
        said = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise CannotJudge(f"the restart command exited with {done.returncode}: {said}")


def _run_restart_hook(restart: Callable[[], None]) -> None:
    try:
        restart()
    except Exception as exc:  # whatever went wrong, the crash was not shown to be survived
        raise CannotJudge(
            f"the implementation could not be crashed and started again: {exc}"
        ) from exc


def can_crash(session: Session) -> bool:
    return session.ctx.restart is not None or session.settings.restart_command is not None


def crash_and_restart(session: Session) -> None:
    """Crash the implementation and wait until it answers again (the run's hook first)."""
    timeout = session.settings.restart_timeout
    if session.ctx.restart is not None:
        _run_restart_hook(session.ctx.restart)
    elif session.settings.restart_command is not None:
        _run_restart_command(session.settings.restart_command, timeout)
    else:
        raise CannotJudge(NO_CRASH)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not session.ctx.stopped:
        answer = session.ctx.http.send("GET", session.url("/openapi.json"))
        if answer.response is not None:
            return
        time.sleep(0.2)
    raise CannotJudge(f"the implementation did not answer within {timeout:g}s of its restart")


@behaviour_check("bb:messaging:durability")
def durability(session: Session) -> None:
    if not can_crash(session):
        raise CannotJudge(NO_CRASH)
    gate = Gate()
    with Receiver(host=session.settings.receiver_host, policy=gate) as receiver:
        callback = receiver.url("durability")
        with subscription(session, SENDER, callback, (RECEIVED,)):
            message_id, created = sent(session, to_citizen(session, CITIZEN, "Duurzaam"))
            await_delivery(session, receiver, about(message_id), "a first attempt", created, SEND)
            crash_and_restart(session)
            gate.open = True
            kept = session.call(CITIZEN, "GET", f"/messages/{message_id}")
            if kept.status != 200:
                raise Disagreement(
                    "An acknowledged message was lost in a crash",
                    f"{created.describe()}; after a crash and restart {kept.describe()}.",
                    kept,
                    operation=GET,
                )
            accepted = [
                item
                for item in await_delivery(
                    session,
                    receiver,
                    lambda item: about(message_id)(item) and item.answered < 300,
                    "the pending notification after the restart",
                    created,
                    SEND,
                )
            ]
            session.findings.passed(SEND, Reply(delivery_exchange(accepted[0], callback), None))
