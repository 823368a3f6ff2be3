"""What survives a restart, and what the test-login flag switches on."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
import pytest
from identity_support import Identity
from support.services import running_blocks

pytestmark = pytest.mark.slow


def test_keys_tokens_and_replay_memory_survive_a_restart(tmp_path: Path) -> None:
    with running_blocks(tmp_path, ("identity",)) as blocks, httpx.Client(timeout=10) as http:
        identity = Identity(blocks.base_url("identity"), http)
        kid_before = identity.jwks_keys()[0]["kid"]
        token = identity.organisation_token()
        used_form = {"grant_type": "client_credentials", **identity.auth_form("gemeente-utrecht")}
        assert identity.post("token", used_form).status_code == 200
        revoked = identity.organisation_token()
        form = {"token": revoked, **identity.auth_form("gemeente-utrecht")}
        assert identity.post("revoke", form).status_code == 200

        blocks.kill("identity")  # no shutdown code runs
        blocks.start("identity")

        assert identity.jwks_keys()[0]["kid"] == kid_before
        assert identity.introspect(token).json()["active"] is True
        assert identity.introspect(revoked).json() == {"active": False}
        replay = identity.post("token", used_form)
        assert replay.status_code == 401 and "replayed" in replay.json()["error_description"]
        key_file = blocks.data_dir / "identity" / "signing-key.pem"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_each_data_directory_gets_its_own_signing_key(tmp_path: Path) -> None:
    kids = []
    for name in ("a", "b"):
        with running_blocks(tmp_path / name, ("identity",)) as blocks:
            response = httpx.get(f"{blocks.base_url('identity')}/oidc/jwks")
            kids.append(response.json()["keys"][0]["kid"])
    assert kids[0] != kids[1]


def test_without_the_flag_there_is_no_login(tmp_path: Path) -> None:
    with (
        running_blocks(tmp_path, ("identity",), enable_test_login=False) as blocks,
        httpx.Client(timeout=10) as http,
    ):
        identity = Identity(blocks.base_url("identity"), http)
        params = identity.authorization_params()
        params.pop("_verifier")
        values = identity.redirect_values(identity.authorize(**params))
        assert values["error"] == "login_required"
        assert "code" not in values
        # organisations are unaffected
        assert identity.client_credentials().status_code == 200
