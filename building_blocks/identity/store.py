"""What the identity block remembers: used client assertions, authorization codes, tokens.

All of it in SQLite in the data directory, so a restart neither re-opens a replay window nor
revives a revoked token. Codes are stored by their hash only: the database never holds a
usable code.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from building_blocks.common import Database

MIGRATIONS = (
    """
    CREATE TABLE client_assertion (
        client_id TEXT NOT NULL,
        jti TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (client_id, jti)
    );
    CREATE TABLE authorization_code (
        code_hash TEXT PRIMARY KEY,
        client_id TEXT NOT NULL,
        redirect_uri TEXT NOT NULL,
        code_challenge TEXT NOT NULL,
        scope TEXT NOT NULL,
        nonce TEXT,
        bsn TEXT NOT NULL,
        auth_time INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE access_token (
        jti TEXT PRIMARY KEY,
        client_id TEXT NOT NULL,
        code_hash TEXT,
        expires_at INTEGER NOT NULL,
        revoked INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX access_token_code ON access_token (code_hash);
    """,
)

RETENTION_SECONDS = 3600


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CodeGrant:
    client_id: str
    redirect_uri: str
    code_challenge: str
    scope: str
    nonce: str | None
    bsn: str
    auth_time: int
    expires_at: int


class IdentityStore:
    def __init__(self, path: Path) -> None:
        self.db = Database(path, MIGRATIONS)

    def close(self) -> None:
        self.db.close()

    def remember_assertion(self, client_id: str, jti: str, expires_at: int, now: int) -> bool:
        """Record a client assertion's jti; False when it was seen before (a replay)."""
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM client_assertion WHERE expires_at < ?", (now - 60,))
            cursor = conn.execute(
                "INSERT OR IGNORE INTO client_assertion (client_id, jti, expires_at) "
                "VALUES (?, ?, ?)",
                (client_id, jti, expires_at),
            )
            return cursor.rowcount == 1

    def save_code(self, code: str, grant: CodeGrant) -> None:
        with self.db.transaction() as conn:
            # Expired codes (and the BSN they hold) are kept only as long as a late reuse
            # attempt may still need to revoke the tokens they produced.
            conn.execute(
                "DELETE FROM authorization_code WHERE expires_at < ?",
                (grant.expires_at - RETENTION_SECONDS,),
            )
            conn.execute(
                "INSERT INTO authorization_code (code_hash, client_id, redirect_uri,"
                " code_challenge, scope, nonce, bsn, auth_time, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    code_hash(code),
                    grant.client_id,
                    grant.redirect_uri,
                    grant.code_challenge,
                    grant.scope,
                    grant.nonce,
                    grant.bsn,
                    grant.auth_time,
                    grant.expires_at,
                ),
            )

    def consume_code(self, code: str) -> tuple[CodeGrant | None, bool]:
        """Mark a code used and return its grant, plus whether it had been used before.

        A second use revokes every token issued with the code (RFC 6749 section 4.1.2): the
        code may have been stolen.
        """
        digest = code_hash(code)
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM authorization_code WHERE code_hash = ?", (digest,)
            ).fetchone()
            if row is None:
                return None, False
            reused = bool(row["used"])
            if reused:
                conn.execute("UPDATE access_token SET revoked = 1 WHERE code_hash = ?", (digest,))
            else:
                conn.execute(
                    "UPDATE authorization_code SET used = 1 WHERE code_hash = ?", (digest,)
                )
            grant = CodeGrant(
                client_id=row["client_id"],
                redirect_uri=row["redirect_uri"],
                code_challenge=row["code_challenge"],
                scope=row["scope"],
                nonce=row["nonce"],
                bsn=row["bsn"],
                auth_time=row["auth_time"],
                expires_at=row["expires_at"],
            )
            return grant, reused

    def save_token(self, jti: str, client_id: str, expires_at: int, code: str | None) -> None:
        with self.db.transaction() as conn:
            # A token past its exp is inactive whatever its row says; drop old rows.
            conn.execute(
                "DELETE FROM access_token WHERE expires_at < ?", (expires_at - RETENTION_SECONDS,)
            )
            conn.execute(
                "INSERT INTO access_token (jti, client_id, code_hash, expires_at)"
                " VALUES (?, ?, ?, ?)",
                (jti, client_id, None if code is None else code_hash(code), expires_at),
            )

    def token_state(self, jti: str) -> tuple[str, bool] | None:
        """(client_id, revoked) of an issued token; None for a token this server never issued."""
        row = self.db.query_one("SELECT client_id, revoked FROM access_token WHERE jti = ?", (jti,))
        return None if row is None else (row["client_id"], bool(row["revoked"]))

    def revoke_token(self, jti: str) -> None:
        self.db.execute("UPDATE access_token SET revoked = 1 WHERE jti = ?", (jti,))
