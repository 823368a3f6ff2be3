"""A Hypothesis state machine over the inbox: send, list, read, mark and delete.

The model holds every message of two citizens' inboxes (what was there when the example began,
plus what the machine sent) with its read status and whether it was deleted; after every step
the service must agree with it. Each assertion belongs to the check it proves:

- ``own-inbox``: a listing holds exactly the caller's own live messages;
- ``foreign-message-404``: the other citizen's message is 404 to read, mark or delete;
- ``mark-read``: status and readAt follow the marks (the first readAt kept);
- ``delete-effective``: a deleted message is gone for everyone, a second delete is 404.

The machine runs once per run (the first of these checks starts it); each check reports the
assertions of its own kind.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, rule

from conformance.client.reply import Reply
from conformance.engine.behaviour.base import Disagreement, Session
from conformance.engine.behaviour.explore import Guard, run_machine
from conformance.engine.behaviour.messaging_data import (
    DELETE,
    GET,
    LIST,
    MARK,
    NO_SUCH_ID,
    SENDER,
    everything,
    items_of,
    listing,
    sent,
    to_citizen,
)
from conformance.engine.behaviour.roles import Role
from conformance.engine.checks.active import ActiveContext

OWN_INBOX = "own-inbox"
FOREIGN = "foreign-message-404"
MARK_READ = "mark-read"
DELETE_EFFECTIVE = "delete-effective"
# Citizens of their own: their inboxes hold only what the machine sent in this run, which
# keeps every listing short.
CITIZEN = Role("messaging-model-citizen", "burger-portaal", ("messaging:read",), citizen=3)
OTHER_CITIZEN = Role(
    "messaging-model-other-citizen", "burger-portaal", ("messaging:read",), citizen=4
)
CITIZENS = (CITIZEN, OTHER_CITIZEN)
OWNER_MOSTLY = st.sampled_from([True, True, True, False])


@dataclass(slots=True)
class Held:
    owner: str  # role name of the recipient
    read_at: str | None
    deleted: bool = False


@dataclass(slots=True)
class MachineOutcome:
    verified: Counter[str] = field(default_factory=Counter)
    disagreement: Disagreement | None = None
    error: BaseException | None = None


class InboxMachine(RuleBasedStateMachine):
    messages = Bundle("messages")

    def __init__(self, session: Session, guard: Guard, outcome: MachineOutcome) -> None:
        super().__init__()
        self.session = session
        self.guard = guard
        self.outcome = outcome
        self.model: dict[str, Held] = {}
        self.steps: list[str] = []  # what this example did so far, for the failure message

    # -- helpers ----------------------------------------------------------------------------
    def fail(self, category: str, title: str, message: str, reply: Reply, operation: str) -> None:
        shown = self.steps[-12:]
        history = ("; steps: " + ", ".join(shown)) if shown else ""
        raise Disagreement(
            title, message + history + ".", reply, operation=operation, category=category
        )

    def note(self, text: str) -> None:
        self.steps.append(text)

    def verified(self, category: str) -> None:
        self.outcome.verified[category] += 1

    def caller(self, message_id: str, as_owner: bool) -> Role:
        """The recipient of the message, or the other citizen (most steps act as the owner)."""
        held = self.model.get(message_id)
        owner = next((item for item in CITIZENS if held and item.name == held.owner), CITIZEN)
        return owner if as_owner else next(item for item in CITIZENS if item is not owner)

    def live(self, message_id: str, role: Role) -> bool:
        held = self.model.get(message_id)
        return held is not None and not held.deleted and held.owner == role.name

    def category_for(self, message_id: str, role: Role) -> str:
        held = self.model.get(message_id)
        if held is not None and held.deleted:
            return DELETE_EFFECTIVE
        return FOREIGN if held is not None and held.owner != role.name else OWN_INBOX

    def judge_message(self, reply: Reply, message_id: str, operation: str) -> None:
        held = self.model[message_id]
        status = "read" if held.read_at else "unread"
        read_at = reply.member("readAt")
        if reply.member("status") != status or (held.read_at and read_at != held.read_at):
            self.fail(
                MARK_READ,
                "Read status disagrees with the marks made",
                f"{reply.describe()} with status {reply.member('status')!r} and readAt "
                f"{read_at!r}; after the marks made it should be {status!r}"
                + (f" with readAt {held.read_at!r}" if held.read_at else ""),
                reply,
                operation,
            )
        self.verified(MARK_READ)

    # -- rules ------------------------------------------------------------------------------
    @initialize()
    def baseline(self) -> None:
        def step() -> None:
            for citizen in CITIZENS:
                items, _ = everything(self.session, citizen)
                for item in items:
                    self.model[str(item.get("id"))] = Held(citizen.name, item.get("readAt"))

        self.guard.run(step)

    @rule(target=messages, to=st.sampled_from(CITIZENS))
    def send(self, to: Role) -> str:
        made: list[str] = []

        def step() -> None:
            self.note(f"send to {to.name}")
            message_id, _ = sent(self.session, to_citizen(self.session, to, "Model"))
            self.model[message_id] = Held(to.name, None)
            made.append(message_id)

        self.guard.run(step)
        return made[0] if made else NO_SUCH_ID

    @rule(as_owner=OWNER_MOSTLY, message_id=messages)
    def read(self, as_owner: bool, message_id: str) -> None:
        who = self.caller(message_id, as_owner)

        def step() -> None:
            self.note(f"{who.name} reads {message_id[:8]}")
            reply = self.session.call(who, "GET", f"/messages/{message_id}")
            self.expect_visibility(reply, who, message_id, GET, 200)
            if reply.status == 200:
                self.judge_message(reply, message_id, GET)

        self.guard.run(step)

    @rule(message_id=messages)
    def sender_reads(self, message_id: str) -> None:
        def step() -> None:
            self.note(f"sender reads {message_id[:8]}")
            reply = self.session.call(SENDER, "GET", f"/messages/{message_id}")
            held = self.model.get(message_id)
            expected = 200 if held is not None and not held.deleted else 404
            if reply.status != expected:
                category = DELETE_EFFECTIVE if held is not None and held.deleted else OWN_INBOX
                self.fail(
                    category,
                    "The sender's view disagrees with the model",
                    f"{reply.describe()}, expected {expected} for a message it sent"
                    + (" and the recipient deleted" if expected == 404 else ""),
                    reply,
                    GET,
                )
            self.verified(DELETE_EFFECTIVE if expected == 404 else OWN_INBOX)
            if reply.status == 200:
                self.judge_message(reply, message_id, GET)

        self.guard.run(step)

    # Marking is idempotent, so a mark is sometimes sent twice in a row.
    @rule(as_owner=OWNER_MOSTLY, message_id=messages, read=st.booleans(), times=st.integers(1, 2))
    def mark(self, as_owner: bool, message_id: str, read: bool, times: int) -> None:
        who = self.caller(message_id, as_owner)
        for _ in range(times):
            self.mark_once(who, message_id, read)

    def mark_once(self, who: Role, message_id: str, read: bool) -> None:
        def step() -> None:
            self.note(f"{who.name} marks {message_id[:8]} read={read}")
            reply = self.session.call(
                who, "PUT", f"/messages/{message_id}/read-status", body={"read": read}
            )
            self.expect_visibility(reply, who, message_id, MARK, 200)
            if reply.status != 200:
                return
            held = self.model[message_id]
            if read and held.read_at is None:
                held.read_at = reply.member("readAt")
                if not isinstance(held.read_at, str):
                    self.fail(
                        MARK_READ,
                        "Marked read without readAt",
                        f"{reply.describe()} with readAt {held.read_at!r}",
                        reply,
                        MARK,
                    )
            elif not read:
                held.read_at = None
            self.judge_message(reply, message_id, MARK)

        self.guard.run(step)

    @rule(as_owner=OWNER_MOSTLY, message_id=messages)
    def delete(self, as_owner: bool, message_id: str) -> None:
        who = self.caller(message_id, as_owner)

        def step() -> None:
            self.note(f"{who.name} deletes {message_id[:8]}")
            reply = self.session.call(who, "DELETE", f"/messages/{message_id}")
            self.expect_visibility(reply, who, message_id, DELETE, 204)
            if reply.status == 204:
                self.model[message_id].deleted = True

        self.guard.run(step)

    @rule(
        who=st.sampled_from(CITIZENS),
        status=st.sampled_from([None, "read", "unread"]),
        size=st.integers(2, 20),
    )
    def list_inbox(self, who: Role, status: str | None, size: int) -> None:
        def step() -> None:
            self.note(f"{who.name} lists status={status} pageSize={size}")
            listed: list[dict[str, Any]] = []
            page, reply = 1, None
            while page <= 40:
                reply = listing(self.session, who, page=page, page_size=size, status=status)
                if reply.status != 200:
                    self.fail(
                        OWN_INBOX,
                        "Own inbox not listed",
                        f"{reply.describe()}, expected 200",
                        reply,
                        LIST,
                    )
                listed += items_of(reply, LIST)
                pages = reply.member("pagination", "totalPages")
                if not isinstance(pages, int) or page >= pages:
                    break
                page += 1
            assert reply is not None
            self.judge_listing(reply, who, status, listed)

        self.guard.run(step)

    def judge_listing(
        self, reply: Reply, who: Role, status: str | None, listed: list[dict[str, Any]]
    ) -> None:
        got = [str(item.get("id")) for item in listed]
        wanted = {
            message_id
            for message_id, held in self.model.items()
            if held.owner == who.name
            and not held.deleted
            and (status is None or (status == "read") == bool(held.read_at))
        }
        deleted = [item for item in got if item in self.model and self.model[item].deleted]
        if deleted:
            self.fail(
                DELETE_EFFECTIVE,
                "A deleted message is still listed",
                f"{reply.describe()} still listing deleted message(s) {deleted}",
                reply,
                LIST,
            )
        self.verified(DELETE_EFFECTIVE)
        foreign = [
            item for item in got if item in self.model and self.model[item].owner != who.name
        ]
        if foreign or set(got) != wanted or len(got) != len(set(got)):
            missing = sorted(wanted - set(got))
            self.fail(
                OWN_INBOX,
                "The inbox listing does not hold exactly the caller's own messages",
                f"{reply.describe()} (status={status}): listed {len(got)}, expected {len(wanted)}; "
                f"other people's: {foreign}, missing: {missing}, unknown: "
                f"{sorted(set(got) - wanted - set(foreign))}",
                reply,
                LIST,
            )
        self.verified(OWN_INBOX)
        for item in listed:
            held = self.model[str(item.get("id"))]
            if item.get("status") != ("read" if held.read_at else "unread"):
                self.fail(
                    MARK_READ,
                    "A listed read status disagrees with the marks made",
                    f"{reply.describe()} listing {item.get('id')} as {item.get('status')!r}",
                    reply,
                    LIST,
                )
        self.verified(MARK_READ)

    def expect_visibility(
        self, reply: Reply, who: Role, message_id: str, operation: str, success: int
    ) -> None:
        expected = success if self.live(message_id, who) else 404
        if reply.status != expected:
            category = self.category_for(message_id, who)
            if expected == success:
                category = OWN_INBOX if operation != MARK else MARK_READ
            owner = self.model.get(message_id)
            whose = (
                "its own"
                if owner and owner.owner == who.name
                else "another citizen's"
                if owner
                else "an unknown"
            )
            state = " deleted" if owner and owner.deleted else ""
            self.fail(
                category,
                "The service disagrees with the model",
                f"{reply.describe()}, expected {expected} for {whose}{state} message {message_id}",
                reply,
                operation,
            )
        self.verified(self.category_for(message_id, who) if expected == 404 else OWN_INBOX)


_RUNS: dict[int, tuple[ActiveContext, MachineOutcome]] = {}
_LOCK = threading.Lock()


def machine_outcome(session: Session) -> MachineOutcome:
    """Run the machine once per run (context) and share its outcome between the checks."""
    with _LOCK:
        known = _RUNS.get(id(session.ctx))
        if known is not None and known[0] is session.ctx:
            return known[1]
        outcome = MachineOutcome()
        machine_session = Session(session.ctx, "bb:messaging:inbox-machine", session.settings)
        guard = Guard(machine_session)
        examples = session.settings.examples
        run_machine(
            machine_session,
            lambda: InboxMachine(machine_session, guard, outcome),
            examples=examples,
        )
        outcome.disagreement, outcome.error = guard.disagreement, guard.error
        if len(_RUNS) > 8:
            _RUNS.clear()
        _RUNS[id(session.ctx)] = (session.ctx, outcome)
        return outcome


def report_machine(session: Session, category: str) -> None:
    """Add the machine's verdict on ``category`` to the check's findings."""
    outcome = machine_outcome(session)
    if outcome.error is not None:
        raise outcome.error
    disagreement = outcome.disagreement
    if disagreement is not None and disagreement.category == category:
        disagreement.title = f"State machine: {disagreement.title}"
        session.findings.record(disagreement)
    elif outcome.verified[category]:
        session.findings.passed(None)
