"""A negative case that only left out headers the run's credentials fill in is not negative."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode

from conformance.engine.generation.negative_cases import reached_api_valid

HEADER, BODY = ParameterLocation.HEADER, ParameterLocation.BODY


def mutation(location: ParameterLocation, keywords: tuple[str, ...], was: Any) -> Any:
    return SimpleNamespace(parameter_location=location, keywords=keywords, original_value=was)


def case(*mutations: Any, negative: tuple[ParameterLocation, ...] = (HEADER,)) -> Any:
    components = {
        place: SimpleNamespace(
            mode=GenerationMode.NEGATIVE if place in negative else GenerationMode.POSITIVE
        )
        for place in (HEADER, BODY)
    }
    mode = GenerationMode.NEGATIVE if negative else GenerationMode.POSITIVE
    return SimpleNamespace(
        meta=SimpleNamespace(
            generation=SimpleNamespace(mode=mode),
            components=components,
            phase=SimpleNamespace(data=SimpleNamespace(mutations=mutations)),
        )
    )


REQUIRED = mutation(HEADER, ("required",), ["Idempotency-Key", "Authorization"])


def test_left_out_headers_that_were_sent_after_all_reached_the_api_valid() -> None:
    sent = ["Idempotency-Key", "authorization", "Content-Type"]
    assert reached_api_valid(case(REQUIRED), sent)


def test_a_header_really_missing_is_still_negative() -> None:
    assert not reached_api_valid(case(REQUIRED), ["Authorization", "Content-Type"])


def test_other_mutations_and_other_components_are_judged_as_usual() -> None:
    sent = ["Idempotency-Key", "Authorization"]
    pattern = mutation(HEADER, ("pattern",), "^[a-z]+$")
    assert not reached_api_valid(case(REQUIRED, pattern), sent)
    assert not reached_api_valid(case(REQUIRED, negative=(HEADER, BODY)), sent)
    assert not reached_api_valid(
        case(mutation(BODY, ("required",), ["name"]), negative=(BODY,)), sent
    )
    assert not reached_api_valid(case(negative=(HEADER,)), sent)  # nothing recorded: keep it
    assert not reached_api_valid(case(REQUIRED, negative=()), sent)  # a positive case
    assert not reached_api_valid(SimpleNamespace(meta=None), sent)
