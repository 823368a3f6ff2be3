"""The block's pure parts: identifier rules, caller identity, retry policy, configuration."""

from __future__ import annotations

import pytest

from building_blocks.common import ProblemError
from building_blocks.messaging import (
    ConfigurationError,
    operator_oin_from_env,
    retry_policy_from_env,
)
from building_blocks.messaging.delivery import RetryPolicy, is_retryable
from building_blocks.messaging.events import message_event, utc_timestamp
from building_blocks.messaging.identifiers import (
    is_valid_bsn,
    is_valid_identifier,
    is_valid_kvk,
    is_valid_oin,
)
from building_blocks.messaging.principal import Party, Principal


@pytest.mark.parametrize("bsn", ["999993653", "111222333", "123456782", "999990019"])
def test_valid_bsns(bsn: str) -> None:
    assert is_valid_bsn(bsn)


@pytest.mark.parametrize(
    "bsn", ["999993654", "000000000", "12345678", "1234567890", "12345678a", "١٢٣٤٥٦٧٨٢", ""]
)
def test_invalid_bsns(bsn: str) -> None:
    assert not is_valid_bsn(bsn)


def test_kvk_and_oin_forms() -> None:
    assert is_valid_kvk("69599084") and not is_valid_kvk("6959908") and not is_valid_kvk("6959908a")
    assert is_valid_oin("0" * 20) and not is_valid_oin("0" * 19) and not is_valid_oin("0" * 21)
    assert is_valid_identifier("kvk", "69599084") and not is_valid_identifier("rsin", "123456782")


def test_a_citizen_token_opens_the_citizens_inbox_and_cannot_act_as_organisation() -> None:
    caller = Principal.from_claims(
        {"scope": "messaging:read", "bsn": "999993653", "oin": "00000001001234567000"}
    )
    assert caller.inbox == Party("bsn", "999993653")
    assert caller.organisation is None


def test_an_organisation_token() -> None:
    caller = Principal.from_claims({"scope": "messaging:send", "oin": "00000001001234567000"})
    assert caller.inbox == Party("oin", "00000001001234567000")
    assert caller.require_organisation() == "00000001001234567000"
    caller.require_scope("messaging:send")
    with pytest.raises(ProblemError) as raised:
        caller.require_scope("messaging:read")
    assert raised.value.status == 403


@pytest.mark.parametrize("claims", [{}, {"bsn": "999993654"}, {"oin": "123"}, {"bsn": 999993653}])
def test_missing_or_malformed_identity_claims_identify_nobody(claims: dict) -> None:
    caller = Principal.from_claims({"scope": "messaging:read", **claims})
    assert caller.inbox is None and caller.organisation is None
    with pytest.raises(ProblemError):
        caller.require_inbox()


def test_backoff_doubles_and_is_capped() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=10.0, max_attempts=5)
    for attempts, expected in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 10.0), (9, 10.0)]:
        delay = policy.delay(attempts)
        assert expected * 0.8 <= delay <= expected * 1.2


@pytest.mark.parametrize(
    ("status", "retry"),
    [(500, True), (503, True), (408, True), (429, True), (400, False), (404, False), (410, False)],
)
def test_which_answers_are_retried(status: int, retry: bool) -> None:
    assert is_retryable(status) is retry


def test_events_carry_the_nl_gov_attributes_and_nothing_more() -> None:
    event = message_event(
        event_type="nl.gdi.messaging.message-read",
        message_id="3f0c8e52-6a51-4f4e-9c39-2b1f8f0e7d11",
        base_url="http://127.0.0.1:1/messaging/v1",
        operator_oin="00000001999999999000",
    )
    assert event["source"] == "urn:nld:oin:00000001999999999000:systeem:berichtenbox"
    assert event["specversion"] == "1.0"
    assert set(event) == {"specversion", "id", "source", "type", "time", "subject", "dataref"}
    with pytest.raises(ValueError):
        message_event(event_type="x", message_id="m", base_url="b", operator_oin="o")


def test_timestamps_are_fixed_width_utc() -> None:
    stamp = utc_timestamp()
    assert stamp.endswith("Z") and len(stamp) == len("2025-01-01T00:00:00.000000Z")


def test_configuration_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GDI_MESSAGING_RETRY_BASE", "0.5")
    monkeypatch.setenv("GDI_MESSAGING_MAX_ATTEMPTS", "3")
    policy = retry_policy_from_env()
    assert (policy.base_delay, policy.max_attempts) == (0.5, 3)
    monkeypatch.setenv("GDI_MESSAGING_OIN", "00000001000000000001")
    assert operator_oin_from_env() == "00000001000000000001"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GDI_MESSAGING_RETRY_BASE", "soon"),
        ("GDI_MESSAGING_RETRY_BASE", "0"),
        ("GDI_MESSAGING_MAX_ATTEMPTS", "nan"),
        ("GDI_MESSAGING_OIN", "123"),
    ],
)
def test_unusable_configuration_is_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=name):
        retry_policy_from_env()
        operator_oin_from_env()
