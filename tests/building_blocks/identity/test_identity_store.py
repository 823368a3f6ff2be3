"""The identity store on its own: replay memory, single-use codes, bounded growth."""

from __future__ import annotations

from pathlib import Path

from building_blocks.identity.store import RETENTION_SECONDS, CodeGrant, IdentityStore


def grant(expires_at: int) -> CodeGrant:
    return CodeGrant(
        client_id="burger-portaal",
        redirect_uri="https://burger-portaal.example/callback",
        code_challenge="c" * 43,
        scope="openid",
        nonce=None,
        bsn="999993653",
        auth_time=expires_at - 60,
        expires_at=expires_at,
    )


def test_replay_memory(tmp_path: Path) -> None:
    store = IdentityStore(tmp_path / "db.sqlite3")
    assert store.remember_assertion("a", "jti-1", 1060, now=1000)
    assert not store.remember_assertion("a", "jti-1", 1060, now=1001)
    assert store.remember_assertion("b", "jti-1", 1060, now=1001)  # per client
    # Long after its expiry the jti is forgotten (the exp check rejects it by then).
    assert store.remember_assertion("a", "jti-1", 5000, now=4000)
    store.close()


def test_code_is_consumed_once_and_reuse_revokes(tmp_path: Path) -> None:
    store = IdentityStore(tmp_path / "db.sqlite3")
    store.save_code("code-1", grant(2000))
    first, reused = store.consume_code("code-1")
    assert first is not None and not reused and first.bsn == "999993653"
    store.save_token("jti-1", "burger-portaal", 2600, "code-1")
    assert store.token_state("jti-1") == ("burger-portaal", False)
    second, reused = store.consume_code("code-1")
    assert second is not None and reused
    assert store.token_state("jti-1") == ("burger-portaal", True)
    assert store.consume_code("onbekend") == (None, False)
    store.close()


def test_old_codes_and_tokens_are_purged(tmp_path: Path) -> None:
    store = IdentityStore(tmp_path / "db.sqlite3")
    store.save_code("old", grant(1000))
    store.save_token("old-jti", "c", 1000, None)
    later = 1000 + RETENTION_SECONDS + 1
    store.save_code("new", grant(later))
    store.save_token("new-jti", "c", later, None)
    assert store.consume_code("old") == (None, False)
    assert store.token_state("old-jti") is None
    assert store.token_state("new-jti") == ("c", False)
    store.close()
