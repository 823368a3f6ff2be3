"""Who may do what: bearer tokens for the registries audience, and scopes per operation."""

from __future__ import annotations

import httpx
import pytest
from registries_helpers import ANNA, DECLARE, READ, Registry, assert_problem, birth, by_bsn, move
from support.issuer import new_rsa_key

pytestmark = pytest.mark.slow

OPERATIONS = [
    ("POST", "/personen", by_bsn([ANNA])),
    ("POST", "/geboorteaangiften", birth(ANNA)),
    ("POST", "/verhuisaangiften", move(ANNA)),
    ("GET", "/geboorteaangiften/00000000-0000-4000-8000-000000000000", None),
    ("GET", "/verhuisaangiften/00000000-0000-4000-8000-000000000000", None),
]


def _call(
    registry: Registry, method: str, path: str, body: object, headers: dict[str, str]
) -> httpx.Response:
    with httpx.Client(base_url=registry.base_url, trust_env=False, timeout=30) as client:
        return client.request(method, path, json=body, headers=headers)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
def test_without_a_token_every_operation_is_401_with_a_challenge(
    registry: Registry, method: str, path: str, body: object
) -> None:
    response = _call(registry, method, path, body, {})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda r: "not-a-jwt", id="malformed"),
        pytest.param(lambda r: r.token(expires_in=-600), id="expired"),
        pytest.param(lambda r: r.token(aud="urn:nld:gdi:messaging"), id="other-audience"),
        pytest.param(lambda r: r.token(key=new_rsa_key()), id="unknown-signature"),
        pytest.param(lambda r: r.token(iss="https://elsewhere.example/oidc"), id="other-issuer"),
    ],
)
@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS[:2])
def test_an_invalid_token_is_401(
    registry: Registry, make_token: object, method: str, path: str, body: object
) -> None:
    token = make_token(registry)  # type: ignore[operator]
    response = _call(registry, method, path, body, _bearer(token))
    assert_problem(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_token_in_the_query_string_is_refused(registry: Registry) -> None:
    token = registry.token()
    with httpx.Client(base_url=registry.base_url, trust_env=False) as client:
        response = client.post("/personen", params={"access_token": token}, json=by_bsn([ANNA]))
    assert_problem(response, 400)
    assert token not in response.text


def test_reading_needs_registries_read(registry: Registry) -> None:
    with registry.client(DECLARE) as declare_only:
        problem = assert_problem(declare_only.post("/personen", json=by_bsn([ANNA])), 403)
    assert READ in problem["detail"]
    with registry.client(READ) as read_only:
        assert read_only.post("/personen", json=by_bsn([ANNA])).status_code == 200


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS[1:])
def test_declaring_and_reading_declarations_needs_registries_declare(
    registry: Registry, method: str, path: str, body: object
) -> None:
    response = _call(registry, method, path, body, _bearer(registry.token(READ)))
    problem = assert_problem(response, 403)
    assert DECLARE in problem["detail"]
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


def test_a_refused_declaration_changes_nothing(registry: Registry) -> None:
    children_before = registry.person(ANNA, "kinderen")["kinderen"]
    address_before = registry.person(ANNA, "verblijfplaats")
    with registry.client(READ) as read_only:
        assert read_only.post("/geboorteaangiften", json=birth(ANNA)).status_code == 403
        assert read_only.post("/verhuisaangiften", json=move(ANNA)).status_code == 403
    assert registry.person(ANNA, "kinderen")["kinderen"] == children_before
    assert registry.person(ANNA, "verblijfplaats") == address_before


def test_a_declare_only_token_may_declare(registry: Registry) -> None:
    with registry.client(DECLARE) as declare_only:
        assert declare_only.post("/geboorteaangiften", json=birth(ANNA)).status_code == 201


def test_the_spec_is_public_with_cors_open(registry: Registry) -> None:
    with httpx.Client(trust_env=False) as client:
        response = client.get(
            f"{registry.base_url}/openapi.json", headers={"Origin": "https://x.example"}
        )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    spec = response.json()
    assert spec["info"]["version"] == response.headers["API-Version"] == "1.0.0"
    assert spec["servers"][0]["url"].endswith("/registries/v1")
