"""Redaction of credentials in headers, bodies, URLs and whole reports."""

from __future__ import annotations

import json

from conformance.results import REDACTED, Redactor

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"


def test_sensitive_headers_are_blanked() -> None:
    redactor = Redactor()
    headers = redactor.headers(
        {
            "Authorization": "Bearer abc",
            "Cookie": "s=1",
            "X-Refresh-Token": "r",
            "Accept": "application/json",
        }
    )
    assert headers == {
        "Authorization": REDACTED,
        "Cookie": REDACTED,
        "X-Refresh-Token": REDACTED,
        "Accept": "application/json",
    }


def test_json_body_fields_are_blanked() -> None:
    body = json.dumps(
        {"access_token": "at-1", "nested": {"refresh_token": "rt-1", "id_token": JWT}, "n": 1}
    )
    cleaned = json.loads(Redactor().body(body, "application/json; charset=utf-8"))
    assert cleaned == {
        "access_token": REDACTED,
        "nested": {"refresh_token": REDACTED, "id_token": REDACTED},
        "n": 1,
    }


def test_form_body_and_truncated_json_are_blanked() -> None:
    redactor = Redactor()
    form = "grant_type=client_credentials&client_assertion=" + JWT + "&scope=a"
    assert redactor.body(form, "application/x-www-form-urlencoded") == (
        "grant_type=client_credentials&client_assertion=" + REDACTED + "&scope=a"
    )
    cut = '{"token_type": "Bearer", "access_token": "abcdefghij'
    assert "abcdefghij" not in redactor.body(cut, "application/json")


def test_query_string_credentials_are_blanked() -> None:
    url = Redactor().url("https://x.example/cb?code=s3cret-code&state=42&access_token=zzz")
    assert "s3cret-code" not in url and "zzz" not in url and "state=42" in url


def test_known_secrets_and_token_shapes_are_removed_from_text() -> None:
    redactor = Redactor(["my-static-api-key-123"])
    text = f"sent my-static-api-key-123 and Bearer opaque.token-value and {JWT}"
    cleaned = redactor.text(text)
    assert "my-static-api-key-123" not in cleaned
    assert "opaque.token-value" not in cleaned
    assert JWT not in cleaned
    assert cleaned.count(REDACTED) == 3


def test_scrub_walks_a_whole_tree() -> None:
    tree = {
        "a": [{"curl": "curl -H 'Authorization: Bearer tok-123456'"}],
        "access_token": "x",
        "n": 3,
    }
    cleaned = Redactor().scrub(tree)
    assert cleaned == {
        "a": [{"curl": f"curl -H 'Authorization: Bearer {REDACTED}'"}],
        "access_token": REDACTED,
        "n": 3,
    }


def test_ordinary_text_is_left_alone() -> None:
    text = '{"title": "Bad Request", "status": 400, "code": "invalid"}'
    assert Redactor().body(text, "application/problem+json") == text


def test_the_words_bearer_token_in_prose_survive() -> None:
    statement = "A request with a bearer token in the query string is refused; send a Bearer Token."
    redactor = Redactor()
    assert redactor.text(statement) == statement
    assert redactor.scrub({"statement": statement}) == {"statement": statement}
    challenge = 'Bearer realm="messaging", error="invalid_token"'
    assert redactor.text(challenge) == challenge
    assert redactor.text("Basic authentication and DPoP proofs") == (
        "Basic authentication and DPoP proofs"
    )


def test_real_bearer_credentials_are_redacted() -> None:
    redactor = Redactor()
    assert redactor.text(f"Authorization: Bearer {JWT}") == f"Authorization: Bearer {REDACTED}"
    assert redactor.text("Authorization: Bearer abc123opaque") == (
        f"Authorization: Bearer {REDACTED}"
    )
    assert redactor.text("curl -H 'Authorization: bearer Zm9vYmFyYmF6cXV4'") == (
        f"curl -H 'Authorization: bearer {REDACTED}'"
    )
    assert redactor.text("Basic dXNlcjpwYXNzd29yZA==") == f"Basic {REDACTED}"
    assert "s3cret" not in Redactor(["tok-s3cret"]).text("sent Bearer tok-s3cret")
