"""Each reliance of ``conformance.engine.fuzzing.internals`` on what Schemathesis and Hypothesis
do not publish still holds in the installed versions.

One test per reliance; its message names what an upgrade took away or changed, so that the
fix starts in ``internals`` (and nowhere else).
"""

from __future__ import annotations

import dataclasses
import gzip
import inspect
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis.internal.conjecture.providers as providers
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from conformance.engine.fuzzing import internals
from conformance.engine.generation.unicode_tables import prepare_codec_tables

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "internals", "version": "1"},
    "paths": {
        "/things": {
            "get": {
                "parameters": [
                    {
                        "name": "X-Key",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {"200": {"description": "ok"}},
            }
        }
    },
}


def _schema() -> Any:
    config = schemathesis.Config.from_dict({"base-url": "http://127.0.0.1:9", "seed": 1})
    return schemathesis.openapi.from_dict(SPEC, config=config)


def _cases(schema: Any, mode: GenerationMode, count: int = 10) -> list[Any]:
    cases: list[Any] = []
    strategy = schema["/things"]["GET"].as_strategy(generation_mode=mode)

    @settings(
        max_examples=count, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
    )
    @given(strategy)
    def collect(case: Any) -> None:
        cases.append(case)

    collect()
    assert cases, "Schemathesis generated no case for a one-operation spec"
    return cases


class _Marker(requests.auth.AuthBase):
    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


# --- Schemathesis -------------------------------------------------------------------------------


def test_the_engine_runs_a_schema_as_an_event_stream() -> None:
    stream = internals.execute(_schema())
    assert hasattr(stream, "__iter__") and callable(getattr(stream, "stop", None)), (
        "schemathesis.engine.from_schema(schema).execute() no longer gives an event stream "
        "with stop(): see internals.execute"
    )


def test_the_engine_events_and_statuses_the_collector_reads_exist() -> None:
    for name in (
        "EngineEvent",
        "PhaseStarted",
        "PhaseFinished",
        "ScenarioFinished",
        "NonFatalError",
        "FatalError",
        "Interrupted",
        "EngineFinished",
    ):
        assert hasattr(internals.events, name), f"schemathesis.engine.events.{name} is gone"
    for status in ("SUCCESS", "FAILURE", "ERROR", "SKIP", "INTERRUPTED"):
        assert hasattr(internals.Status, status), f"schemathesis.engine.Status.{status} is gone"
    for reason in ("COMPLETED", "SERVER_UNAVAILABLE"):
        assert hasattr(internals.StopReason, reason), f"StopReason.{reason} is gone"
    recorder = {field.name for field in dataclasses.fields(internals.ScenarioRecorder)}
    assert {"checks", "cases", "interactions"} <= recorder, (
        f"ScenarioRecorder no longer records checks, cases and interactions: {sorted(recorder)}"
    )


def test_the_engine_control_is_found_in_the_stream_before_it_starts() -> None:
    stream = internals.execute(_schema())
    control = internals.engine_control(stream)
    assert control is not None, (
        "the event stream's generator no longer has the engine (with .control.max_time) "
        "among its locals: a stopped run would lose the scenario in progress; see "
        "internals.engine_control"
    )
    assert control.max_time is None and not control.has_reached_time_limit


def test_spending_the_time_budget_makes_the_engine_stop_before_its_next_case() -> None:
    control = internals.engine_control(internals.execute(_schema()))
    internals.spend_time_budget(control)
    assert control.has_reached_time_limit, (
        "ExecutionControl.max_time = 0 no longer means the time limit is reached: see "
        "internals.spend_time_budget"
    )


def test_findings_are_folded_by_their_title() -> None:
    assert isinstance(inspect.getattr_static(internals.Failure, "_unique_key", None), property), (
        "Schemathesis's Failure no longer folds failures by the _unique_key property: our "
        "findings would be folded otherwise; see internals.TitledFailure"
    )
    one, two = (
        internals.TitledFailure(
            operation="GET /things", title="same", message=message, severity=internals.HIGH_SEVERITY
        )
        for message in ("first case", "second case")
    )
    assert one._unique_key == two._unique_key == "same"


def test_a_negative_case_records_its_generation_mode() -> None:
    schema = _schema()
    assert all(internals.is_negative_case(case) for case in _cases(schema, GenerationMode.NEGATIVE))
    assert not any(
        internals.is_negative_case(case) for case in _cases(schema, GenerationMode.POSITIVE)
    ), "case.meta.generation.mode.is_negative no longer tells negative cases: see internals"


def test_a_negative_case_that_only_leaves_a_header_out_says_which() -> None:
    schema = _schema()
    negative = _cases(schema, GenerationMode.NEGATIVE)
    left_out = [internals.header_only_mutations(case) for case in negative]
    assert ["X-Key"] in left_out, (
        "case.meta (components, phase.data.mutations with parameter_location, keywords and "
        f"original_value) no longer says which required header a case leaves out: {left_out}; "
        "see internals.header_only_mutations"
    )
    assert all(
        internals.header_only_mutations(case) is None
        for case in _cases(schema, GenerationMode.POSITIVE)
    )


def test_the_headers_schemathesis_strips_from_a_negative_case_are_known() -> None:
    negative = _cases(_schema(), GenerationMode.NEGATIVE)
    stripped = [
        internals.left_out_headers(case)
        for case in negative
        if internals.header_only_mutations(case) == ["X-Key"]
    ]
    assert stripped and all(names == frozenset({"x-key"}) for names in stripped), (
        "schemathesis.transport.prepare.get_exclude_headers is gone or no longer names the "
        f"header a negative case leaves out ({stripped}): credentials would be put back on it"
    )


def test_the_auth_of_a_case_is_where_the_transport_reads_it() -> None:
    from schemathesis.auths import RequestsAuth  # how set_from_requests sets it on a case

    schema = _schema()
    marker = _Marker()
    schema.auth.set_from_requests(marker)
    case = schema["/things"]["GET"].Case(headers={"X-Key": "k"})
    RequestsAuth(marker).set(case, marker, None)  # type: ignore[arg-type]
    assert internals.case_auth(case) is marker, (
        "set_from_requests no longer leaves its auth object in case._auth: see internals.case_auth"
    )
    source = inspect.getsource(inspect.getmodule(RequestsAuth) or RequestsAuth)
    assert "case._auth" in source


@pytest.fixture
def before_call_hook() -> Iterator[Any]:
    from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER

    def _hook(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
        return None

    yield _hook
    GLOBAL_HOOK_DISPATCHER.unregister(_hook)


def test_a_private_function_registers_as_the_global_before_call_hook(before_call_hook: Any) -> None:
    from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER

    internals.register_global_hook(before_call_hook, "before_call")
    assert before_call_hook in GLOBAL_HOOK_DISPATCHER.get_all_by_name("before_call"), (
        "GLOBAL_HOOK_DISPATCHER.register_hook_with_name no longer registers a global hook: "
        "the response limits and credentials of cases would be lost; see internals"
    )
    from schemathesis import hook_specs

    assert list(inspect.signature(hook_specs.before_call).parameters) == [
        "context",
        "case",
        "kwargs",
    ], "the before_call hook's signature changed: see transport._before_call"


def test_every_session_of_a_run_comes_from_the_factory_the_harness_wraps() -> None:
    from schemathesis.engine import context

    original = context.make_session
    assert next(iter(inspect.signature(original).parameters)) == "config", (
        "schemathesis.engine.context.make_session no longer takes the run's config first: "
        "see internals.wrap_session_factory"
    )
    made: list[Any] = []

    def wrap(make: Any) -> Any:
        def wrapped(config: Any, *args: Any, **kwargs: Any) -> Any:
            made.append(config)
            return make(config, *args, **kwargs)

        return wrapped

    try:
        assert internals.wrap_session_factory(wrap), "make_session is gone"
        schema = _schema()
        context.make_session(schema.config).close()
    finally:
        context.make_session = original
    assert made, "the wrapped make_session was not called"
    # The engine looks the factory up on the module when it makes a session: a replacement
    # there is what it calls.
    assert "make_session(" in inspect.getsource(context)


# --- Hypothesis --------------------------------------------------------------------------------


def test_hypothesis_home_is_read_and_put_back(tmp_path: Path) -> None:
    before = internals.current_hypothesis_home()
    with internals.hypothesis_home(tmp_path):
        assert Path(internals.current_hypothesis_home()) == tmp_path, (
            "hypothesis.configuration's __hypothesis_home_directory no longer follows "
            "set_hypothesis_home_dir: see internals.current_hypothesis_home"
        )
    assert internals.current_hypothesis_home() == before


def test_codec_tables_are_where_hypothesis_reads_them(tmp_path: Path) -> None:
    from hypothesis.internal.charmap import intervals_from_codec

    with internals.hypothesis_home(tmp_path):
        path = internals.codec_table_file("ascii")
        assert path is not None, "hypothesis.internal.charmap.charmap_file is gone"
        assert tmp_path in path.parents
        prepare_codec_tables(["ascii"])
        assert json.loads(gzip.decompress(path.read_bytes())) == [[[0, 127]], []]
        # A table of our own making (A-Z only) is what Hypothesis then uses: it reads the file.
        path.write_bytes(gzip.compress(json.dumps([[[65, 90]], []]).encode()))
        intervals_from_codec.cache_clear()
        try:
            encodable, lossy = intervals_from_codec("ascii")
        finally:
            intervals_from_codec.cache_clear()
    assert list(encodable.intervals) == [(65, 90)] and not lossy.intervals, (
        "Hypothesis no longer reads the codec table from charmap_file('codec-v2-<codec>') as "
        "[encodable runs, lossy runs]: see internals.codec_table_file"
    )


def test_the_local_constants_hook_can_be_turned_off() -> None:
    original = getattr(providers, "_get_local_constants", None)
    assert original is not None and hasattr(providers, "Constants"), (
        "hypothesis.internal.conjecture.providers._get_local_constants or Constants is gone: "
        "the harness's own literals may end up in requests; see internals.without_local_constants"
    )
    with internals.without_local_constants():
        assert len(providers._get_local_constants()) == 0
    assert providers._get_local_constants is original
    assert "_get_local_constants()" in inspect.getsource(providers), (
        "Hypothesis no longer looks the hook up on its module when it draws: replacing it "
        "would not take effect"
    )


def test_the_spec_analysis_caches_can_be_cleared() -> None:
    import importlib

    caches = importlib.import_module("schemathesis.specs.openapi._caches")
    assert callable(getattr(caches, "clear_all", None)), (
        "schemathesis.specs.openapi._caches.clear_all is gone: a certify of several blocks "
        "keeps every spec's analysis in memory; see internals.clear_schemathesis_caches"
    )
    internals.clear_schemathesis_caches()
