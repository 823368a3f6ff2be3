"""Who is calling, as far as messaging is concerned, derived from verified token claims.

The inbox owner and the sender come from the access token only, never from the request: that
is what keeps a BSN out of every URI and one citizen out of another's inbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from building_blocks.common import ProblemError
from building_blocks.messaging.identifiers import is_valid_bsn, is_valid_kvk, is_valid_oin

SCOPE_SEND = "messaging:send"
SCOPE_READ = "messaging:read"
SCOPE_SUBSCRIBE = "messaging:subscribe"


@dataclass(frozen=True, slots=True)
class Party:
    """A recipient or sender: ``kind`` is bsn, kvk or oin."""

    kind: str
    identifier: str


@dataclass(frozen=True, slots=True)
class Principal:
    scopes: frozenset[str]
    inbox: Party | None  # whose inbox this caller reads
    organisation: str | None  # the OIN the caller acts as, when it acts as an organisation

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Principal:
        raw_scope = claims.get("scope")
        scopes = frozenset(raw_scope.split()) if isinstance(raw_scope, str) else frozenset()
        bsn, kvk, oin = (_claim(claims, name) for name in ("bsn", "kvk", "oin"))
        # A claim that is present but malformed identifies nobody: better no inbox than a wrong one.
        bsn = bsn if bsn and is_valid_bsn(bsn) else None
        kvk = kvk if kvk and is_valid_kvk(kvk) else None
        oin = oin if oin and is_valid_oin(oin) else None
        inbox: Party | None = None
        if bsn:
            inbox = Party("bsn", bsn)
        elif kvk:
            inbox = Party("kvk", kvk)
        elif oin:
            inbox = Party("oin", oin)
        # A token acting for a citizen or business is not the organisation, even if it names one.
        organisation = oin if oin and not bsn and not kvk else None
        return cls(scopes=scopes, inbox=inbox, organisation=organisation)

    def require_scope(self, *accepted: str) -> None:
        if not self.scopes.intersection(accepted):
            needed = " or ".join(accepted)
            raise ProblemError(
                403,
                "Forbidden",
                f"This operation requires the scope {needed}.",
                headers={
                    "WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{needed}"'
                },
            )

    def require_organisation(self) -> str:
        if self.organisation is None:
            raise ProblemError(
                403, "Forbidden", "Only an organisation (a token with an oin claim) may do this."
            )
        return self.organisation

    def require_inbox(self) -> Party:
        if self.inbox is None:
            raise ProblemError(
                403,
                "Forbidden",
                "The access token identifies no citizen, business or organisation.",
            )
        return self.inbox


def _claim(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    return value if isinstance(value, str) else None
