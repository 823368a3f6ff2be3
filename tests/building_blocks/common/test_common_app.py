"""The ADR behaviour ``create_app`` gives every block, shown on a demo block under real uvicorn.

Each behaviour is asserted on the demo block built with the shared layer, and the same assertion
is shown to fail on the same routes served by bare FastAPI (``plain``), which is what a block
without the layer would look like.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from fastapi import FastAPI
from support.demo_blocks import VERSION, item_routes, plain_app, write_spec
from support.services import serve_asgi

from building_blocks.common import create_app
from building_blocks.common.adr import DEFAULT_MAX_BODY_BYTES

pytestmark = pytest.mark.slow

BASE = "/demo/v1"
SECURITY_HEADERS = {
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_spec(tmp_path_factory.mktemp("spec") / "openapi.yaml", "demo")


@pytest.fixture(scope="module")
def layered(spec_path: Path) -> Iterator[str]:
    app = create_app(block="demo", spec_path=spec_path, routers=item_routes())
    with serve_asgi(app) as origin:
        yield origin


@pytest.fixture(scope="module")
def plain(spec_path: Path) -> Iterator[str]:
    with serve_asgi(plain_app(spec_path)) as origin:
        yield origin


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, follow_redirects=False, timeout=10) as http:
        yield http


# -- assertions shared by the layered and the plain app ------------------------------------------


def assert_api_version(response: httpx.Response) -> None:
    assert response.headers.get("API-Version") == VERSION, "API-Version header missing or wrong"


def assert_security_headers(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, f"{name} missing or wrong"
    assert "frame-ancestors 'none'" in response.headers.get("content-security-policy", "")
    assert response.headers.get("strict-transport-security", "").startswith("max-age=")
    assert response.headers.get("referrer-policy") == "no-referrer"


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, f"status {response.status_code}, expected {status}"
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    for member in ("type", "title", "status", "detail"):
        assert member in body, f"problem member {member} missing"
    assert body["status"] == status
    return body


def assert_invalid_input(response: httpx.Response, name: str, code: str) -> None:
    body = assert_problem(response, 400)
    params = body.get("invalidParams")
    assert isinstance(params, list) and params, "invalidParams missing"
    for param in params:
        assert set(param) == {"name", "code", "reason"}
    assert {"name": name, "code": code} in [
        {"name": p["name"], "code": p["code"]} for p in params
    ], params


def assert_not_found_without_redirect(response: httpx.Response) -> None:
    assert response.status_code == 404, f"status {response.status_code} (a redirect?)"
    assert "location" not in response.headers


def assert_allow(response: httpx.Response, methods: set[str]) -> None:
    if response.request.method == "HEAD":  # no body to a HEAD request
        assert response.status_code == 405, f"status {response.status_code}"
    else:
        assert_problem(response, 405)
    allow = {m.strip() for m in response.headers.get("allow", "").split(",") if m.strip()}
    assert allow == methods, f"Allow lists {allow}, the path supports {methods}"


def assert_openapi_published(response: httpx.Response, spec_path: Path) -> None:
    assert response.status_code == 200, f"status {response.status_code}"
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers.get("access-control-allow-origin") == "*"
    assert response.json() == json.loads(json.dumps(yaml.safe_load(spec_path.read_text())))


def assert_no_internals(response: httpx.Response) -> None:
    text = response.text
    for leak in ("Traceback", "RuntimeError", "hunter2", ".py", "eyJ"):
        assert leak not in text, f"response reveals {leak!r}"
    assert_problem(response, 500)


# Requests that between them hit every kind of response: success, the block's own problem,
# validation, 405, trailing slash, outside the base path, crash, oversized body, the spec.
EVERY_KIND = [
    ("GET", f"{BASE}/items", {}),
    ("GET", f"{BASE}/items/404", {}),
    ("GET", f"{BASE}/items/abc", {}),
    ("PUT", f"{BASE}/items", {}),
    ("GET", f"{BASE}/items/", {}),
    ("GET", "/nowhere", {}),
    ("GET", f"{BASE}/crash", {}),
    ("POST", f"{BASE}/items", {"content": b"x" * (DEFAULT_MAX_BODY_BYTES + 1)}),
    ("GET", f"{BASE}/openapi.json", {}),
]
KIND_IDS = ["ok", "problem", "invalid", "405", "slash", "outside", "crash", "too-large", "spec"]


@pytest.mark.parametrize(("method", "path", "options"), EVERY_KIND, ids=KIND_IDS)
def test_api_version_on_every_response(layered, client, method, path, options):
    assert_api_version(client.request(method, layered + path, **options))


def test_plain_fastapi_sends_no_api_version(plain, client):
    with pytest.raises(AssertionError, match="API-Version"):
        assert_api_version(client.get(plain + "/nowhere"))


@pytest.mark.parametrize(("method", "path", "options"), EVERY_KIND, ids=KIND_IDS)
def test_security_headers_on_every_response(layered, client, method, path, options):
    assert_security_headers(client.request(method, layered + path, **options))


def test_plain_fastapi_sends_no_security_headers(plain, client):
    with pytest.raises(AssertionError, match="cache-control"):
        assert_security_headers(client.get(plain + f"{BASE}/items"))


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nowhere", 404),
        ("GET", f"{BASE}/nothing-here", 404),
        ("GET", f"{BASE}/items/404", 404),
        ("DELETE", f"{BASE}/items", 405),
        ("GET", f"{BASE}/items/abc", 400),
        ("GET", f"{BASE}/crash", 500),
    ],
)
def test_every_error_is_problem_json(layered, client, method, path, status):
    assert_problem(client.request(method, layered + path), status)


def test_plain_fastapi_errors_are_not_problem_json(plain, client):
    with pytest.raises(AssertionError):
        assert_problem(client.get(plain + "/nowhere"), 404)


def test_problem_error_carries_extension_members(layered, client):
    body = assert_problem(client.get(f"{layered}{BASE}/items/404"), 404)
    assert body["detail"] == "No item 404."
    assert body["itemId"] == 404


@pytest.mark.parametrize(
    ("request_options", "name", "code"),
    [
        ({"json": {"name": "Bad1", "count": 1}}, "name", "pattern"),
        ({"json": {"name": "ok"}}, "count", "required"),
        ({"json": {"name": "ok", "count": -1}}, "count", "minimum"),
        ({"json": {"name": "ok", "count": "many"}}, "count", "type"),
        ({"json": {"name": "ok", "count": 1, "extra": 1}}, "extra", "unknownParam"),
        ({"json": {"name": "ok", "count": 1, "tags": ["a"] * 4}}, "tags", "maxItems"),
        ({"json": {"name": "ok", "count": 1, "tags": [1]}}, "tags[0]", "type"),
        (
            {"content": b'{"name": ', "headers": {"content-type": "application/json"}},
            "body",
            "json",
        ),
        (
            {"content": b'{"name": "\xff"}', "headers": {"content-type": "application/json"}},
            "body",
            "format",
        ),
    ],
)
def test_invalid_body_is_400_with_invalid_params(layered, client, request_options, name, code):
    response = client.post(f"{layered}{BASE}/items", **request_options)
    assert_invalid_input(response, name, code)


@pytest.mark.parametrize(
    ("path", "name", "code"),
    [
        ("/items?limit=0", "limit", "minimum"),
        ("/items?limit=101", "limit", "maximum"),
        ("/items?limit=ten", "limit", "type"),
        ("/items/abc", "itemId", "type"),
    ],
)
def test_invalid_query_or_path_is_400(layered, client, path, name, code):
    assert_invalid_input(client.get(f"{layered}{BASE}{path}"), name, code)


def test_invalid_params_never_repeat_the_submitted_value(layered, client):
    secret = "SECRETVALUE123456782"
    response = client.post(f"{layered}{BASE}/items", json={"name": secret, "count": secret})
    assert_problem(response, 400)
    assert secret not in response.text


def test_plain_fastapi_answers_invalid_input_with_422(plain, client):
    with pytest.raises(AssertionError, match="status 422"):
        assert_invalid_input(client.post(f"{plain}{BASE}/items", json={}), "count", "required")


@pytest.mark.parametrize("path", [f"{BASE}/items/", f"{BASE}/openapi.json/", f"{BASE}/", "/"])
def test_trailing_slash_is_404_never_a_redirect(layered, client, path):
    response = client.get(layered + path)
    assert_not_found_without_redirect(response)
    assert_problem(response, 404)


def test_plain_fastapi_redirects_a_trailing_slash(plain, client):
    with pytest.raises(AssertionError, match="status 307"):
        assert_not_found_without_redirect(client.get(f"{plain}{BASE}/items/"))


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/items", {"GET", "POST"}),
        ("HEAD", "/items", {"GET", "POST"}),
        ("OPTIONS", "/items", {"GET", "POST"}),
        ("PATCH", "/items/5", {"GET", "DELETE"}),
        ("POST", "/openapi.json", {"GET"}),
    ],
)
def test_405_allow_lists_every_method_of_the_path(layered, client, method, path, allowed):
    assert_allow(client.request(method, f"{layered}{BASE}{path}"), allowed)


def test_a_block_refusing_a_method_itself_gets_allow_too(layered, client):
    assert_allow(client.delete(f"{layered}{BASE}/items/405"), {"GET", "DELETE"})


def test_plain_fastapi_allow_misses_methods_of_other_routes(plain, client):
    # GET and POST /items live on different routers; bare FastAPI only names the first.
    with pytest.raises(AssertionError):
        assert_allow(client.put(f"{plain}{BASE}/items"), {"GET", "POST"})


def test_openapi_json_is_published_without_auth_with_open_cors(layered, client, spec_path):
    response = client.get(f"{layered}{BASE}/openapi.json", headers={"Origin": "https://x.test"})
    assert_openapi_published(response, spec_path)


def test_plain_fastapi_does_not_publish_the_spec_at_the_base_path(plain, client, spec_path):
    with pytest.raises(AssertionError, match="status 404"):
        assert_openapi_published(client.get(f"{plain}{BASE}/openapi.json"), spec_path)


def test_crash_is_a_bare_500_and_logged_redacted(layered, client, caplog):
    caplog.set_level(logging.ERROR, logger="building_blocks")
    assert_no_internals(client.get(f"{layered}{BASE}/crash"))
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "unhandled error on GET /demo/v1/crash" in logged
    assert "RuntimeError" in logged  # the server side keeps what is needed to debug
    assert "hunter2" not in logged and "eyJ" not in logged and "999999990" not in logged


def test_debug_mode_fastapi_leaks_the_traceback(spec_path, client):
    app = FastAPI(debug=True)
    for router in item_routes():
        app.include_router(router, prefix=BASE)
    with serve_asgi(app) as origin, pytest.raises(AssertionError, match="reveals"):
        assert_no_internals(client.get(f"{origin}{BASE}/crash"))


def test_crash_after_the_response_started_closes_the_connection(layered, client):
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(f"{layered}{BASE}/crash-midway")
    assert client.get(f"{layered}{BASE}/items").status_code == 200  # still serving


def test_declared_oversized_body_is_413(layered, client):
    body = b"x" * (DEFAULT_MAX_BODY_BYTES + 1)
    assert_problem(client.post(f"{layered}{BASE}/items", content=body), 413)


def test_streamed_oversized_body_is_413(layered, client):
    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        for _ in range(DEFAULT_MAX_BODY_BYTES // 65536 + 2):
            yield b" " * 65536

    response = client.post(
        f"{layered}{BASE}/items", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_problem(response, 413)


def test_body_within_the_cap_is_read(layered, client):
    padding = " " * (DEFAULT_MAX_BODY_BYTES - 100)
    body = f'{{"name": "ok", "count": 1}}{padding}'.encode()
    response = client.post(
        f"{layered}{BASE}/items", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 201, response.text


def test_plain_fastapi_reads_any_body_size(plain, client):
    body = b"x" * (DEFAULT_MAX_BODY_BYTES + 1)
    with pytest.raises(AssertionError, match="status 422"):
        assert_problem(client.post(f"{plain}{BASE}/items", content=body), 413)


def test_success_responses_are_untouched(layered, client):
    response = client.post(f"{layered}{BASE}/items", json={"name": "ok", "count": 2})
    assert response.status_code == 201
    assert response.json() == {"name": "ok", "count": 2, "tags": []}
    assert client.delete(f"{layered}{BASE}/items/3").status_code == 204
