"""Who may ask the register what (the profile's GDI-REG-029).

A person register must not answer everyone with a valid token. Two kinds of callers:

- an organisation (its token carries an ``oin`` claim) may look persons up by BSN with
  ``registries:read``; searching by name or address also needs ``registries:search`` and a
  purpose (doelbinding): a scope ``doelbinding:<purpose>`` that the identity service grants
  only to organisations registered for that purpose;
- a citizen (a token without ``oin``; the citizen is its ``bsn`` claim) may look up only
  their own record and those of their minor children (persons under 18 who list the citizen
  among their ``ouders``), and never search.

A refusal is 403 whatever the register holds, so it tells nothing about who is registered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from building_blocks.common import AccessToken, Database, ProblemError
from building_blocks.common.auth import TokenVerifier

SEARCH = "registries:search"
PURPOSE_PREFIX = "doelbinding:"
BY_BSN = "RaadpleegMetBurgerservicenummer"
ADULT_AGE = 18


def purposes(token: AccessToken) -> list[str]:
    """The purposes (doelbinding) a token was granted, from its ``doelbinding:<purpose>`` scopes."""
    return sorted(
        scope[len(PURPOSE_PREFIX) :]
        for scope in token.scopes
        if scope.startswith(PURPOSE_PREFIX) and len(scope) > len(PURPOSE_PREFIX)
    )


def is_organisation(token: AccessToken) -> bool:
    return bool(token.oin)


def adult_since(today: dt.date) -> str:
    """Persons born on or before this day are adults today."""
    try:
        return today.replace(year=today.year - ADULT_AGE).isoformat()
    except ValueError:  # 29 February: the 18th birthday falls on 1 March in other years
        return today.replace(year=today.year - ADULT_AGE, day=28).isoformat()


def minor_children(db: Database, parent: str, today: dt.date) -> set[str]:
    rows = db.query(
        "SELECT p.bsn FROM parent l JOIN person p ON p.bsn = l.kind_bsn"
        " WHERE l.ouder_bsn = ? AND p.geboortedatum > ?",
        (parent, adult_since(today)),
    )
    return {str(row["bsn"]) for row in rows}


def _forbidden(verifier: TokenVerifier, detail: str, scope: str | None = None) -> ProblemError:
    parts = [f'realm="{verifier.realm}"', 'error="insufficient_scope"']
    if scope:
        parts.append(f'scope="{scope}"')
    return ProblemError(
        403, "Forbidden", detail, headers={"WWW-Authenticate": "Bearer " + ", ".join(parts)}
    )


def authorise_query(
    db: Database,
    verifier: TokenVerifier,
    token: AccessToken,
    query: Mapping[str, Any],
    today: dt.date,
) -> None:
    """Raise 403 unless ``token`` may ask ``query`` (already validated against the spec)."""
    searching = query["type"] != BY_BSN
    if searching:
        if not is_organisation(token):
            raise _forbidden(
                verifier,
                "Searching persons by name or address is for organisations with a purpose "
                "(doelbinding); a citizen can look up only their own record.",
            )
        if SEARCH not in token.scopes or not purposes(token):
            raise _forbidden(
                verifier,
                f"Searching persons needs the scope {SEARCH} and a purpose scope "
                f"({PURPOSE_PREFIX}<purpose>).",
                SEARCH,
            )
        return
    if is_organisation(token):
        return
    own = token.bsn
    allowed = {own} | minor_children(db, own, today) if own else set()
    if any(number not in allowed for number in query["burgerservicenummer"]):
        raise _forbidden(
            verifier,
            "A citizen can look up only their own record and those of their minor children.",
        )
