"""Secrets and BSNs are kept out of server logs."""

from __future__ import annotations

import logging

import pytest

from building_blocks.common.redact import RedactingFilter, redact

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXBhcnQ"
PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"token {JWT} rejected", JWT),
        ("Authorization: Bearer abc.def-ghi", "abc.def-ghi"),
        ("GET /x?access_token=s3cr3t&y=1", "s3cr3t"),
        ('{"client_secret": "hunter2"}', "hunter2"),
        ("password=hunter2", "hunter2"),
        (f"key {PEM}", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"),
        ("person 999999990 not found", "999999990"),
    ],
)
def test_secrets_are_redacted(text, secret):
    cleaned = redact(text)
    assert secret not in cleaned
    assert "REDACTED" in cleaned


def test_ordinary_text_is_kept():
    text = "GET /messaging/v1/messages/42 took 12 ms, OIN 00000001001234567000"
    assert redact(text) == text


def test_filter_redacts_arguments_and_tracebacks(caplog):
    logger = logging.getLogger("test_common_redact")
    logger.addFilter(RedactingFilter())
    try:
        raise ValueError(f"bad token {JWT}")
    except ValueError:
        logger.exception("while handling %s", "password=hunter2")
    message = caplog.records[-1].getMessage()
    assert "hunter2" not in message and JWT not in message
    assert "ValueError" in message  # the traceback is still there, redacted


def test_without_the_filter_the_secret_is_logged(caplog):
    logging.getLogger("test_common_redact_plain").error("password=%s", "hunter2")
    assert "hunter2" in caplog.records[-1].getMessage()
