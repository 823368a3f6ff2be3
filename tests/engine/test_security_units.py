"""Unit tests of what the security checks are built from: forged tokens, example requests from
the spec, OpenAPI link expressions and the owner-scoped operations of a profile."""

from __future__ import annotations

import copy
import json
import random

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from conformance.client.jose import bearer_token, unverified_parts
from conformance.engine.checks.bola import creations, owned_operations, unreached
from conformance.engine.checks.forged_tokens import (
    FOREIGN_AUDIENCE,
    audience_tokens,
    expired_tokens,
    harness_key,
    with_claims,
)
from conformance.engine.openapi.datetimes import SchemaWalker
from conformance.engine.openapi.operations import list_operations
from conformance.engine.openapi.spec_requests import (
    COMPOSED,
    EXAMPLE,
    MADE_UP,
    LinkSource,
    composed_example,
    evaluate,
    example_request,
    is_secured,
    linked_request,
    with_link_body,
)
from conformance.spec.catalog import resolve_block

NOW = 1_800_000_000


@pytest.fixture(scope="module")
def issuer_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def token(issuer_key: rsa.RSAPrivateKey) -> str:
    claims = {"iss": "https://idp.example", "aud": "urn:nld:gdi:messaging", "exp": NOW + 300}
    return jwt.encode(claims, issuer_key, algorithm="RS256", headers={"kid": "k1"})


def verify(token: str, key: rsa.RSAPrivateKey, audience: str = "urn:nld:gdi:messaging") -> dict:
    return jwt.decode(
        token,
        key.public_key(),
        algorithms=["RS256"],
        audience=audience,
        options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
    )


def test_the_run_token_verifies_but_no_forged_variant_does(
    token: str, issuer_key: rsa.RSAPrivateKey
) -> None:
    assert verify(token, issuer_key)["exp"] == NOW + 300
    forged = expired_tokens(token, now=NOW) + audience_tokens(token, now=NOW)
    assert len(forged) == 6
    for item in forged:
        with pytest.raises(jwt.InvalidTokenError):
            verify(item.token, issuer_key)


def test_expired_variants_are_expired_and_keep_the_kid(token: str) -> None:
    variants = expired_tokens(token, now=NOW)
    kept = variants[0]
    assert "original signature" in kept.description
    assert kept.token.split(".")[2] == token.split(".")[2]  # the issuer's signature, unchanged
    parsed = unverified_parts(kept.token)
    assert parsed is not None and parsed[1]["exp"] == NOW - 3600
    resigned = unverified_parts(variants[1].token)
    assert resigned is not None and resigned[0]["kid"] == "k1" and resigned[1]["exp"] < NOW
    # Signed by the harness's own key: valid for that key, and for no identity service.
    verified = jwt.decode(
        variants[2].token,
        harness_key().public_key(),
        algorithms=["RS256"],
        audience="urn:nld:gdi:messaging",
        options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
    )
    assert verified["exp"] == NOW + 600
    unsigned = unverified_parts(variants[3].token)
    assert unsigned is not None and unsigned[0]["alg"] == "none"
    assert variants[3].token.endswith(".")


def test_audience_variants_name_another_audience(token: str) -> None:
    for item in audience_tokens(token, now=NOW):
        parsed = unverified_parts(item.token)
        assert parsed is not None and parsed[1]["aud"] == FOREIGN_AUDIENCE


def test_without_a_jwt_made_up_claims_are_used() -> None:
    variants = expired_tokens("opaque-token-value", now=NOW)
    assert len(variants) == 3  # no "original signature" variant without a JWT
    assert all(unverified_parts(item.token) is not None for item in variants)
    assert unverified_parts("opaque") is None and unverified_parts("a.b.c") is None


def test_with_claims_changes_the_payload_only(token: str) -> None:
    changed = with_claims(token, {"aud": "x"})
    assert changed.split(".")[0] == token.split(".")[0]
    payload = unverified_parts(changed)
    assert payload is not None and payload[1]["aud"] == "x"


def test_bearer_token_reads_only_bearer_credentials() -> None:
    assert bearer_token({"authorization": "Bearer abc"}) == "abc"
    assert bearer_token({"Authorization": "Basic abc"}) is None
    assert bearer_token({}) is None


@pytest.fixture(scope="module")
def messaging():
    profile, spec = resolve_block("messaging")
    return profile, spec.bundled, {op.operation_id: op for op in list_operations(spec.bundled)}


def test_example_request_from_the_spec_is_complete_and_seeded(messaging) -> None:
    _, document, operations = messaging
    send = operations["sendMessage"]
    first = example_request(document, send, random.Random("seed"))
    again = example_request(document, send, random.Random("seed"))
    other = example_request(document, send, random.Random("other"))
    assert first.method == "POST" and first.path == "/messages"
    assert json.loads(first.body or b"")["recipient"]["identifier"] == "999993653"
    assert first.headers["Content-Type"] == "application/json"
    assert first.headers["Idempotency-Key"] == again.headers["Idempotency-Key"]
    assert first.headers["Idempotency-Key"] != other.headers["Idempotency-Key"]
    get = example_request(document, operations["getMessage"], random.Random(1))
    assert get.body is None and "{" not in get.path


def test_secured_operations_exclude_public_ones(messaging) -> None:
    _, document, operations = messaging
    assert is_secured(document, operations["sendMessage"])
    assert not is_secured(document, operations["getOpenapi"])


def test_link_expressions_and_linked_requests(messaging) -> None:
    _, document, operations = messaging
    request = example_request(document, operations["sendMessage"], random.Random(1))
    body = json.dumps({"id": "3f0c8e52-6a51-4f4e-9c39-2b1f8f0e7d11", "list": [1, 2]}).encode()
    source = LinkSource(request, 201, {"location": "/messages/x"}, body)
    assert evaluate("$response.body#/id", source) == "3f0c8e52-6a51-4f4e-9c39-2b1f8f0e7d11"
    assert evaluate("$response.body#/list/1", source) == 2
    assert evaluate("$response.body#/missing", source) is None
    assert evaluate("$response.header.Location", source) == "/messages/x"
    assert evaluate("$request.body#/recipient/type", source) == "bsn"
    assert evaluate("$statusCode", source) == 201
    assert evaluate("constant", source) == "constant"
    link = {"operationId": "getMessage", "parameters": {"messageId": "$response.body#/id"}}
    followed = linked_request(document, operations["getMessage"], link, source, random.Random(1))
    assert followed is not None
    assert followed.path == "/messages/3f0c8e52-6a51-4f4e-9c39-2b1f8f0e7d11"
    broken = {"operationId": "getMessage", "parameters": {"messageId": "$response.body#/nope"}}
    assert (
        linked_request(document, operations["getMessage"], broken, source, random.Random(1)) is None
    )


class _Context:
    """The parts of an ActiveContext that planning sec:bola reads."""

    def __init__(self, profile, document) -> None:
        self.profile = profile
        self.document = document
        self.operations = list_operations(document)


def test_owned_operations_come_from_the_profile(messaging) -> None:
    profile, document, _ = messaging
    context = _Context(profile, document)
    owned = owned_operations(context)  # type: ignore[arg-type]
    assert owned is not None and {"getMessage", "deleteSubscription"} <= owned
    plan = {
        creation.operation.operation_id: [target.operation_id for target, _ in creation.links]
        for creation in creations(context, owned)  # type: ignore[arg-type]
    }
    # Reads before changes before deletes.
    assert plan["sendMessage"] == ["getMessage", "markMessageRead", "deleteMessage"]
    assert plan["createSubscription"] == ["getSubscription", "deleteSubscription"]
    assert owned_operations(_Context(None, document)) is None  # type: ignore[arg-type]


def test_a_body_without_an_example_is_composed_from_its_properties_examples() -> None:
    _, spec = resolve_block("registries")
    operations = {op.operation_id: op for op in list_operations(spec.bundled)}
    move = example_request(spec.bundled, operations["declareMove"], random.Random(1))
    assert move.body_source == COMPOSED and move.body_from_example
    assert json.loads(move.body or b"") == {
        "burgerservicenummer": "999993653",
        "verblijfplaats": {
            "straat": "Biltstraat",
            "huisnummer": 12,
            "postcode": "3511AB",
            "woonplaats": "Utrecht",
            "datumAanvangAdreshouding": "2024-06-01",
        },
    }
    assert "properties" in move.describe_body()
    birth = example_request(spec.bundled, operations["declareBirth"], random.Random(1))
    assert birth.body_source == EXAMPLE and b"moeder" in (birth.body or b"")


def _one_operation_spec(schema: dict) -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1.0.0"},
        "paths": {
            "/things": {
                "post": {
                    "operationId": "createThing",
                    "requestBody": {"content": {"application/json": {"schema": schema}}},
                    "responses": {"201": {"description": "made"}},
                }
            }
        },
    }


def test_a_required_part_without_any_example_leaves_the_body_made_up() -> None:
    schema = {
        "type": "object",
        "required": ["name", "size"],
        "properties": {"name": {"type": "string", "example": "a"}, "size": {"type": "integer"}},
    }
    document = _one_operation_spec(schema)
    (operation,) = list_operations(document)
    request = example_request(document, operation, random.Random(1))
    assert request.body == b"{}" and request.body_source == MADE_UP
    assert not request.body_from_example and "no example" in request.describe_body()


def test_composition_follows_all_of_one_of_arrays_enums_and_defaults() -> None:
    walker = SchemaWalker({})
    schema = {
        "allOf": [
            {"type": "object", "required": ["kind"], "properties": {"kind": {"enum": ["x", "y"]}}},
            {
                "type": "object",
                "required": ["tags", "size", "choice"],
                "properties": {
                    "tags": {"type": "array", "items": {"type": "string", "example": "t"}},
                    "size": {"type": "integer", "default": 3},
                    "choice": {"oneOf": [{"type": "string"}, {"type": "integer", "example": 7}]},
                    "optional": {"type": "string"},
                },
            },
        ]
    }
    assert composed_example(schema, walker) == (
        True,
        {"kind": "x", "tags": ["t"], "size": 3, "choice": 7},
    )
    assert composed_example({"type": "string"}, walker) == (False, None)


def test_a_links_request_body_is_merged_into_the_body_it_leads_to() -> None:
    _, spec = resolve_block("registries")
    operations = {op.operation_id: op for op in list_operations(spec.bundled)}
    birth = example_request(spec.bundled, operations["declareBirth"], random.Random(1))
    answer = json.dumps({"burgerservicenummer": "999900006"}).encode()
    source = LinkSource(birth, 201, {}, answer)
    move = example_request(spec.bundled, operations["declareMove"], random.Random(1))
    link = {
        "operationId": "declareMove",
        "requestBody": {"burgerservicenummer": "$response.body#/burgerservicenummer"},
    }
    assert with_link_body(move, link, source) is move
    body = json.loads(move.body or b"")
    assert body["burgerservicenummer"] == "999900006"  # the link's value wins
    assert body["verblijfplaats"]["postcode"] == "3511AB"  # the composed rest stays
    assert move.body_value == body
    unresolvable = {"requestBody": {"burgerservicenummer": "$response.body#/missing"}}
    again = example_request(spec.bundled, operations["declareMove"], random.Random(1))
    assert with_link_body(again, unresolvable, source) is None
    assert with_link_body(again, {"operationId": "declareMove"}, source) is None


def test_bola_makes_the_move_from_the_newborns_link_after_the_birth() -> None:
    profile, spec = resolve_block("registries")
    context = _Context(profile, spec.bundled)
    owned = owned_operations(context)  # type: ignore[arg-type]
    assert owned == {"getBirthDeclaration", "getMoveDeclaration"}
    plan = creations(context, owned)  # type: ignore[arg-type]
    assert [creation.operation.operation_id for creation in plan] == [
        "declareBirth",
        "declareMove",
    ]
    assert "declareMove" in plan[0].feeds  # the link "the child can move"
    assert [target.operation_id for target, _ in plan[1].links] == ["getMoveDeclaration"]
    assert unreached(context, owned, plan) == []  # type: ignore[arg-type]


def test_an_owned_operation_no_link_reaches_is_named_as_not_exercised() -> None:
    profile, spec = resolve_block("registries")
    document = copy.deepcopy(spec.bundled)
    created = document["paths"]["/verhuisaangiften"]["post"]["responses"]["201"]
    del created["links"]["GetMoveDeclaration"]
    context = _Context(profile, document)
    owned = owned_operations(context)  # type: ignore[arg-type]
    plan = creations(context, owned)  # type: ignore[arg-type]
    missing = unreached(context, owned, plan)  # type: ignore[arg-type]
    assert [operation.operation_id for operation in missing] == ["getMoveDeclaration"]
