"""The persistent signing key: made once, reused by every later run, never overwritten."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from conformance.reports.signing import (
    KEY_ENVIRONMENT,
    SigningKeyError,
    default_key_path,
    fingerprint,
    load_public_key,
    load_trusted_keys,
    persistent_key,
    public_path_for,
)


def test_made_on_first_use_then_reused(tmp_path: Path) -> None:
    path = tmp_path / "data" / "signing-key.pem"
    first = persistent_key(path)
    assert first.created and first.path == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    public = load_public_key(tmp_path / "data" / "signing-key.pub.pem")
    assert fingerprint(public) == fingerprint(first.key.public_key())
    written = path.read_bytes()
    again = persistent_key(path)
    assert not again.created
    assert fingerprint(again.key.public_key()) == fingerprint(first.key.public_key())
    assert path.read_bytes() == written


def test_runs_starting_at_once_share_one_key(tmp_path: Path) -> None:
    path = tmp_path / "signing-key.pem"
    found: list[str] = []

    def take() -> None:
        found.append(fingerprint(persistent_key(path).key.public_key()))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 8 and len(set(found)) == 1
    assert not [item for item in tmp_path.iterdir() if item.name.endswith(".new")]


def test_an_unusable_key_is_refused_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "signing-key.pem"
    path.write_text("not a key")
    with pytest.raises(SigningKeyError, match="not an unencrypted PEM private key"):
        persistent_key(path)
    assert path.read_text() == "not a key"


def test_where_the_key_lives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENVIRONMENT, str(tmp_path / "ci" / "issuer.pem"))
    assert default_key_path() == tmp_path / "ci" / "issuer.pem"
    monkeypatch.delenv(KEY_ENVIRONMENT)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_key_path() == tmp_path / "xdg" / "gdi-conformance" / "signing-key.pem"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    expected = tmp_path / "home" / ".local" / "share" / "gdi-conformance" / "signing-key.pem"
    assert default_key_path() == expected
    assert public_path_for(expected).name == "signing-key.pub.pem"


def test_trusted_keys_file_holds_several_keys(tmp_path: Path) -> None:
    one = persistent_key(tmp_path / "one.pem")
    two = persistent_key(tmp_path / "two.pem")
    listing = tmp_path / "trusted.pem"
    listing.write_bytes(
        b"# the certification body\n"
        + (tmp_path / "one.pub.pem").read_bytes()
        + b"\n# a second issuer\n"
        + (tmp_path / "two.pub.pem").read_bytes()
    )
    keys = [fingerprint(key) for key in load_trusted_keys(listing)]
    assert keys == [fingerprint(one.key.public_key()), fingerprint(two.key.public_key())]
    listing.write_bytes((tmp_path / "one.pem").read_bytes())
    with pytest.raises(SigningKeyError, match="holds a private key"):
        load_trusted_keys(listing)
    listing.write_text("nothing here\n")
    with pytest.raises(SigningKeyError, match="no PEM public key"):
        load_trusted_keys(listing)
