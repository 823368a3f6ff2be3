"""The two resource servers as a scenario uses them (registries and messaging), and how a
refusal by one of them is blamed: on identity when the token it was given is unfit, else on
the resource server itself (see ``blocks``)."""

from __future__ import annotations

import contextlib
from typing import Any

from conformance.client.reply import Reply
from conformance.interop.blocks import IdentityBlock, Wire, failure
from conformance.interop.steps import IDENTITY, MESSAGING, REGISTRIES, StepFailed


def refused(
    reply: Reply,
    block: str,
    what: str,
    expected: str,
    *,
    identity: IdentityBlock,
    token: str,
    audience: str,
    scope: str,
    claim: tuple[str, str] | None = None,
) -> StepFailed:
    """The failure for an unexpected answer, blamed on identity when the token was unfit."""
    if reply.status in (401, 403):
        problems = identity.token_problems(token, audience=audience, scope=scope, claim=claim)
        if problems:
            return StepFailed(
                f"{what}: {reply.describe()}; the access token the identity block issued is "
                f"unfit for {block}: {'; '.join(problems)}",
                exchange=reply.exchange,
                blame=IDENTITY,
                actor=reply.role,
            )
        return StepFailed(
            f"{what}: {reply.describe()}, expected {expected}, although the access token meets "
            f"the identity profile (signature, issuer, expiry, aud {audience}, scope {scope})",
            exchange=reply.exchange,
            blame=block,
            actor=reply.role,
        )
    return failure(reply, block, what, expected)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class RegistriesBlock:
    def __init__(self, wire: Wire, base_url: str) -> None:
        self.wire = wire
        self.base_url = base_url.rstrip("/")

    def declare_birth(self, token: str, declaration: dict[str, Any], actor: str) -> Reply:
        return self.wire.send(
            REGISTRIES,
            "POST",
            f"{self.base_url}/geboorteaangiften",
            headers=bearer(token),
            body=declaration,
            actor=actor,
        )

    def declare_move(self, token: str, declaration: dict[str, Any], actor: str) -> Reply:
        return self.wire.send(
            REGISTRIES,
            "POST",
            f"{self.base_url}/verhuisaangiften",
            headers=bearer(token),
            body=declaration,
            actor=actor,
        )

    def persons(self, token: str, bsns: list[str], fields: list[str], actor: str) -> Reply:
        query = {"type": "RaadpleegMetBurgerservicenummer", "burgerservicenummer": bsns}
        return self.wire.send(
            REGISTRIES,
            "POST",
            f"{self.base_url}/personen?pageSize=20",
            headers=bearer(token),
            body={**query, "fields": fields},
            actor=actor,
        )


class MessagingBlock:
    def __init__(self, wire: Wire, base_url: str) -> None:
        self.wire = wire
        self.base_url = base_url.rstrip("/")

    def subscribe(self, token: str, callback: str, event_types: list[str], actor: str) -> Reply:
        return self.wire.send(
            MESSAGING,
            "POST",
            f"{self.base_url}/subscriptions",
            headers=bearer(token),
            body={"callbackUrl": callback, "eventTypes": event_types},
            actor=actor,
        )

    def unsubscribe(self, token: str, subscription_id: str, actor: str) -> None:
        # Cleaning up is a courtesy, not part of any scenario.
        with contextlib.suppress(StepFailed):
            self.wire.send(
                MESSAGING,
                "DELETE",
                f"{self.base_url}/subscriptions/{subscription_id}",
                headers=bearer(token),
                actor=actor,
            )

    def send(self, token: str, key: str, bsn: str, subject: str, text: str, actor: str) -> Reply:
        return self.wire.send(
            MESSAGING,
            "POST",
            f"{self.base_url}/messages",
            headers={**bearer(token), "Idempotency-Key": key},
            body={
                "recipient": {"type": "bsn", "identifier": bsn},
                "subject": subject,
                "body": text,
            },
            actor=actor,
        )

    def inbox(self, token: str, actor: str) -> Reply:
        return self.wire.send(
            MESSAGING,
            "GET",
            f"{self.base_url}/messages?page=1&pageSize=100",
            headers=bearer(token),
            actor=actor,
        )

    def message(self, token: str, url: str, actor: str) -> Reply:
        return self.wire.send(MESSAGING, "GET", url, headers=bearer(token), actor=actor)

    def message_url(self, message_id: str) -> str:
        return f"{self.base_url}/messages/{message_id}"
