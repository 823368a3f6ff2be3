"""``gdi-conformance token``: prints a token (exit 0), refusal exit 1, bad input exit 2."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
from support.services import running_blocks

from conformance.cli import main
from conformance.paths import seed_root

KEYS = seed_root() / "identity" / "keys"


@pytest.fixture(scope="module")
def identity_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_blocks(tmp_path_factory.mktemp("token"), ("identity",)) as blocks:
        yield blocks.base_url("identity")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["token", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.slow
def test_organisation_token(identity_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "--identity", identity_url, "--client", "gemeente-utrecht",
        "--key", str(KEYS / "gemeente-utrecht.key.pem"), "--scope", "messaging:send",
        "--scope", "registries:read",
    )  # fmt: skip
    assert code == 0, err
    claims = jwt.decode(out.strip(), options={"verify_signature": False})
    assert claims["scope"] == "messaging:send registries:read"
    assert out.count("\n") == 1 and err == ""


@pytest.mark.slow
def test_citizen_token_and_id_token(identity_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--identity", identity_url, "--client", "burger-portaal",
              "--key", str(KEYS / "burger-portaal.key.pem"), "--citizen", "999993653"]  # fmt: skip
    code, out, err = run(capsys, *common, "--scope", "openid messaging:read")
    assert code == 0, err
    assert jwt.decode(out.strip(), options={"verify_signature": False})["azp"] == "burger-portaal"
    code, out, err = run(capsys, *common, "--id-token")
    assert code == 0, err
    id_token = jwt.decode(out.strip(), options={"verify_signature": False})
    assert id_token["aud"] == "burger-portaal" and id_token["sub"] != "999993653"


@pytest.mark.slow
def test_refused_token_exits_1(identity_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "--identity", identity_url, "--client", "gemeente-utrecht",
        "--key", str(KEYS / "harness-tweede-org.key.pem"),
    )  # fmt: skip
    assert code == 1 and out == ""
    assert "invalid_client" in err and "Traceback" not in err
    assert "BEGIN" not in err  # no key material


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--citizen", "123456789"], "11-proef"),
        (["--id-token"], "--id-token needs --citizen"),
        (["--key", "missing.pem"], "cannot read key file"),
    ],
)
@pytest.mark.slow
def test_bad_input_exits_2(
    identity_url: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    base = ["--identity", identity_url, "--client", "burger-portaal",
            "--key", str(KEYS / "burger-portaal.key.pem")]  # fmt: skip
    code, out, err = run(capsys, *base, *args)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_unreachable_identity_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(
        capsys, "--identity", "http://127.0.0.1:9/identity/v1", "--client", "gemeente-utrecht",
        "--key", str(KEYS / "gemeente-utrecht.key.pem"),
    )  # fmt: skip
    assert code == 2 and out == "" and "cannot reach" in err


def test_missing_required_option_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--client", "x")
    assert code == 2 and "--identity" in err


@pytest.mark.slow
def test_citizen_token_says_why_the_login_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An identity block without its test login logs no citizen in: the message says so and
    how to turn it on, not only the bare OAuth error."""
    with running_blocks(tmp_path, ("identity",), enable_test_login=False) as blocks:
        code, out, err = run(
            capsys, "--identity", blocks.base_url("identity"), "--client", "burger-portaal",
            "--key", str(KEYS / "burger-portaal.key.pem"), "--citizen", "999993653",
        )  # fmt: skip
    assert code == 1 and out == ""
    assert "login_required" in err
    assert "serve identity --enable-test-login" in err
