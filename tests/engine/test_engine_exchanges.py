"""openapi:exchange-valid's validator: verdicts, and identical exchanges validated once."""

from __future__ import annotations

import copy
import json

from conformance.engine.checks.exchanges import ExchangeProblem, ExchangeValidator
from conformance.spec import LoadedSpec

BASE = "http://127.0.0.1:9/tasks/v1"
HEADERS = {"Content-Type": "application/json", "API-Version": "1.2.0"}
TASK = {"id": 1, "title": "Water the plants", "createdAt": "2024-01-01T12:00:00Z"}


def _validate(validator: ExchangeValidator, body: object, **headers: str) -> object:
    return validator.validate(
        method="GET",
        url=f"{BASE}/tasks/1?x=1",
        status=200,
        headers={**HEADERS, **headers},
        body=json.dumps(body).encode(),
    )


def test_valid_and_invalid_answers(tasks_spec: LoadedSpec) -> None:
    validator = ExchangeValidator(tasks_spec.bundled, BASE)
    assert _validate(validator, TASK) is None
    problem = _validate(validator, {"id": 1, "title": "No createdAt"})
    assert isinstance(problem, ExchangeProblem) and "createdAt" in problem.message
    unknown = validator.validate(
        method="GET", url=f"{BASE}/nowhere", status=200, headers=HEADERS, body=b"{}"
    )
    assert unknown is True


def test_identical_exchanges_are_validated_once(tasks_spec: LoadedSpec, monkeypatch) -> None:
    validator = ExchangeValidator(tasks_spec.bundled, BASE)
    calls = []
    real = validator._validate

    def counting(*args: object) -> object:
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(validator, "_validate", counting)
    broken = {"id": 1, "title": "No createdAt"}
    first = _validate(validator, broken, Date="Mon, 01 Jan 2024 12:00:00 GMT")
    again = _validate(validator, broken, Date="Mon, 01 Jan 2024 12:00:01 GMT")  # only Date differs
    assert first == again and isinstance(first, ExchangeProblem)
    assert len(calls) == 1
    assert _validate(validator, TASK) is None  # another body: validated anew
    assert len(calls) == 2


def test_the_spec_is_only_read(tasks_spec: LoadedSpec) -> None:
    """The validator shares the spec's parts with the run (no copy): openapi-core must not
    change them, whatever it validates."""
    before = copy.deepcopy(tasks_spec.bundled)
    validator = ExchangeValidator(tasks_spec.bundled, BASE)
    _validate(validator, TASK)
    _validate(validator, {"id": "one"})
    validator.validate(method="POST", url=f"{BASE}/tasks", status=201, headers=HEADERS, body=b"{")
    validator.validate(method="GET", url=f"{BASE}/nowhere", status=200, headers=HEADERS, body=b"")
    assert tasks_spec.bundled == before
