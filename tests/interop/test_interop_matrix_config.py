"""The --config file of ``gdi-conformance interop``: what it accepts, and one clear message
(and exit 2) for what it does not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.interop.matrix import (
    Entry,
    MatrixConfigError,
    combinations,
    parse_matrix_config,
)

GOOD: dict[str, Any] = {
    "identity": [{"name": "reference", "reference": True}],
    "registries": [
        {"name": "reference", "reference": True},
        {"name": "acme", "base_url": "https://acme.example/registries/v1/"},
    ],
    "messaging": [{"name": "x", "base_url": "http://127.0.0.1:1/messaging/v1"}],
}


def test_a_good_configuration_gives_every_combination() -> None:
    config = parse_matrix_config(GOOD, "interop.yaml")
    assert config.of("registries")[1] == Entry(
        "registries", "acme", "https://acme.example/registries/v1"
    )
    seen: list[tuple[str, str | None]] = []

    def resolve(entry: Entry, identity: Any) -> str:
        seen.append((entry.name, identity.base_url if identity else None))
        return entry.base_url or f"http://reference.invalid/{entry.block}/v1"

    found = [c.label for c in combinations(config, resolve)]
    assert found == [
        "identity reference + registries reference + messaging x",
        "identity reference + registries acme + messaging x",
    ]
    # References of resource blocks are resolved for the identity they are combined with.
    assert ("reference", "http://reference.invalid/identity/v1") in seen


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"identity": []}, "identity must list at least one implementation"),
        ({"extra": []}, "unknown key(s) extra"),
        ({"messaging": [{"name": "x"}]}, "messaging[0]: base_url must be an http(s) URL"),
        ({"messaging": [{"name": "x", "base_url": "ftp://a/b"}]}, "base_url must be an http(s)"),
        ({"messaging": ["reference"]}, "messaging[0]: expected a mapping"),
        ({"messaging": [{"name": "a b", "reference": True}]}, "name must be letters"),
        (
            {"messaging": [{"name": "x", "reference": True, "base_url": "http://a/b"}]},
            "give one of base_url, config or reference: true",
        ),
        ({"messaging": [{"name": "x", "reference": "yes"}]}, "reference must be true or false"),
        (
            {"messaging": [{"name": "x", "reference": True}, {"name": "x", "reference": True}]},
            "messaging names x twice",
        ),
        ({"messaging": [{"name": "x", "reference": True, "port": 1}]}, "unknown key(s) port"),
    ],
)
def test_a_bad_configuration_says_what_and_where(change: dict[str, Any], message: str) -> None:
    with pytest.raises(MatrixConfigError) as raised:
        parse_matrix_config({**GOOD, **change}, "interop.yaml")
    assert message in str(raised.value)
    assert str(raised.value).startswith("interop.yaml")


def test_the_command_exits_2_on_a_bad_configuration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "interop.yaml"
    config.write_text("identity: [{name: reference, reference: true}\n")
    assert main(["interop", "--config", str(config), "--report-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{config}:" in err and "not valid YAML" in err
    assert "Traceback" not in err
    assert main(["interop", "--config", str(tmp_path / "missing.yaml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_config_and_urls_do_not_mix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "interop.yaml"
    config.write_text("identity: []\n")
    code = main(["interop", "--config", str(config), "--identity", "http://127.0.0.1:9/i/v1"])
    assert code == 2
    assert "either --config" in capsys.readouterr().err


def test_a_reference_resource_server_may_name_its_introspection_client(tmp_path: Path) -> None:
    (tmp_path / "rs.pem").write_text("a PEM key", encoding="utf-8")
    document = {
        **GOOD,
        "messaging": [
            {
                "name": "reference",
                "reference": True,
                "introspection": {"client_id": "messaging-rs", "key": "rs.pem"},
            }
        ],
    }
    (entry,) = parse_matrix_config(document, "interop.yaml", tmp_path).of("messaging")
    assert entry.introspection_client_id == "messaging-rs"
    assert entry.introspection_key == (tmp_path / "rs.pem").resolve()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {
                "name": "x",
                "base_url": "http://a/b",
                "introspection": {"client_id": "c", "key": "k"},
            },
            "introspection is for reference registries and messaging entries",
        ),
        (
            {"name": "r", "reference": True, "introspection": {"client_id": "c"}},
            "introspection: give client_id and key",
        ),
        (
            {"name": "r", "reference": True, "introspection": {"client_id": "c", "key": "none"}},
            "no key file 'none'",
        ),
    ],
)
def test_an_unusable_introspection_client_is_named(
    tmp_path: Path, entry: dict[str, Any], message: str
) -> None:
    with pytest.raises(MatrixConfigError, match=message):
        parse_matrix_config({**GOOD, "messaging": [entry]}, "interop.yaml", tmp_path)


def test_a_reference_block_is_started_with_its_introspection_client(tmp_path: Path) -> None:
    from building_blocks.common.process import BlockProcess
    from building_blocks.common.server import Introspection, parse_introspection

    key = tmp_path / "rs.pem"
    process = BlockProcess(
        "messaging",
        data_dir=tmp_path,
        identity_url="http://127.0.0.1:9",
        introspection={"messaging": Introspection("messaging-rs", key)},
    )
    command = process.command()
    value = command[command.index("--introspection") + 1]
    assert parse_introspection([value]) == {"messaging": Introspection("messaging-rs", key)}


OIDC_PROVIDER_VENDOR_FILE = Path(__file__).resolve().parents[2] / (
    "fixtures/oidc-provider/gdi-conformance.yaml"
)


def test_an_entry_may_name_its_vendor_file(tmp_path: Path) -> None:
    """The base URL (identity: the issuer), clients, citizens and login come from the file."""
    vendor = tmp_path / "idp" / "gdi-conformance.yaml"
    vendor.parent.mkdir()
    vendor.write_text(
        OIDC_PROVIDER_VENDOR_FILE.read_text(encoding="utf-8").replace(
            "key: ../seed/", f"key: {OIDC_PROVIDER_VENDOR_FILE.parent}/../seed/"
        ),
        encoding="utf-8",
    )
    document = {
        **GOOD,
        "identity": [{"name": "oidc-provider", "config": "idp/gdi-conformance.yaml"}],
    }
    (entry,) = parse_matrix_config(document, "interop.yaml", tmp_path).of("identity")
    assert entry.base_url == "http://127.0.0.1:4000"
    assert entry.vendor is not None
    identity = entry.vendor.block("identity")
    assert identity is not None and identity.login is not None
    assert identity.login.driver == "form"
    assert [item.bsn for item in identity.citizens] == ["999993653"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"name": "x", "config": "missing.yaml"}, "config: no vendor file 'missing.yaml'"),
        ({"name": "x", "config": 7}, "config: the path of a vendor file"),
        ({"name": "x", "config": "v.yaml", "base_url": "http://a/b"}, "give one of base_url"),
        ({"name": "x", "config": "bad.yaml"}, "bad.yaml:2:"),
        ({"name": "x", "config": "v.yaml"}, "v.yaml gives no messaging.base_url"),
    ],
)
def test_an_unusable_vendor_file_is_named(
    tmp_path: Path, entry: dict[str, Any], message: str
) -> None:
    (tmp_path / "v.yaml").write_text("registries:\n  base_url: http://a/registries/v1\n")
    (tmp_path / "bad.yaml").write_text("identity:\n  colour: blue\n")
    with pytest.raises(MatrixConfigError, match=message) as raised:
        parse_matrix_config({**GOOD, "messaging": [entry]}, "interop.yaml", tmp_path)
    assert str(raised.value).startswith("interop.yaml: messaging[0]")
