"""Run one conformance check: probes, then Schemathesis's phases, then the assessment.

``run(config)`` drives Schemathesis's own engine (the one its CLI uses) over the spec: the
examples, coverage (boundary values of every constrained parameter), fuzzing (positive and
negative) and stateful (OpenAPI links) phases, with all its checks plus ours. Before that it
sends the engine's active probes. It returns a ``RunReport``; it never raises for what the
target does, only for a target it cannot reach (``TargetUnreachable``) or a setup it cannot
use (``RunSetupError``), both before any test request is sent.

Determinism: the seed fixes every generated case (Hypothesis derandomisation by seed, no
example database, no Schemathesis cache, no constants drawn from the harness's own source),
so the same seed against the same target state sends the same requests. Hypothesis's home
directory holds only derived caches (its Unicode tables), kept per user between runs because
rebuilding them costs more CPU than a small run's whole generation.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import os
import platform
import random
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import hypothesis
import hypothesis.configuration
import hypothesis.internal.conjecture.providers
import schemathesis
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis.engine import StopReason, from_schema

from conformance import __version__
from conformance.client.credentials import PRIMARY, CredentialError, Subjects
from conformance.client.login import LoginDriverError, driver_for
from conformance.engine.behaviour.identity.endpoints import map_onto_provider
from conformance.engine.catalogue import CATALOGUE, load_checks
from conformance.engine.checks.active import ActiveContext
from conformance.engine.checks.exchanges import ExchangeValidator
from conformance.engine.checks.responses import RunState, attach, detach
from conformance.engine.collector import TESTING_PHASES, Collector, Listener, Progress
from conformance.engine.generation.formats import register_formats
from conformance.engine.generation.unicode_tables import prepare_codec_tables
from conformance.engine.openapi.datetimes import SchemaWalker
from conformance.engine.openapi.operations import OperationInfo, list_operations
from conformance.engine.profile import Profile, generic_profile
from conformance.engine.sharding import Shard, shard_generated_operations, shard_operations
from conformance.engine.transport import SubjectAuth, abort_requests, limit_responses, release
from conformance.engine.verdict.assess import Observed, assess_check, assess_requirement
from conformance.httplimits import HttpClient
from conformance.results import (
    Budget,
    Completion,
    Outcome,
    PhaseResult,
    ProductInfo,
    ProfileInfo,
    RunReport,
    ShardInfo,
    SpecInfo,
    ToolVersions,
    Verdict,
    decide_verdict,
    summarise,
)
from conformance.spec import LoadedSpec
from conformance.spec.labels import portable_label
from conformance.spec.vendor import VendorConfig

DEFAULT_MAX_EXAMPLES = 25
DEFAULT_REQUEST_TIMEOUT = 10.0
DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024
REACHABILITY_TIMEOUT = 5.0
# Schemathesis analyses the whole spec before its first case: past about a thousand operations
# that analysis alone takes minutes and more than 300 MB (0.1 MB and 2 ms per path, growing
# faster than the paths). A larger spec gets the probes only; its generated phases are reported
# not executed, with this reason.
MAX_GENERATED_OPERATIONS = 1000
# The budget includes assembling and writing the report, which the engine cannot cut short:
# for a spec of thousands of operations that takes seconds (about 0.25 ms per operation
# measured, 5,000 operations on two loaded cores), so testing stops that much earlier.
REPORT_SECONDS_PER_OPERATION = 0.0004
_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


class TargetUnreachable(Exception):
    """The target does not answer at all; nothing was tested."""


class RunSetupError(Exception):
    """The run cannot start (unusable spec for Schemathesis, credentials, base URL)."""


@dataclass(slots=True)
class RunConfig:
    spec: LoadedSpec
    base_url: str
    profile: Profile | None = None  # None: the generic GDI profile
    subjects: Subjects = field(default_factory=Subjects)
    seed: int | None = None  # None: a random seed, recorded in the report
    max_examples: int = DEFAULT_MAX_EXAMPLES
    max_time: float | None = None  # seconds for the whole run; None: no limit
    workers: int = 1
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    phases: tuple[str, ...] = TESTING_PHASES
    hypothesis_dir: Path | None = None  # None: the user's cache (see hypothesis_cache_dir)
    spec_label: str | None = None  # how the report names the spec (default: a portable label)
    product: ProductInfo | None = None  # whose implementation is tested, as its vendor names it
    shard: Shard | None = None  # test only this part of the API (see sharding)
    # Crash the implementation and start it again (see ActiveContext.restart); None: no way to.
    restart: Callable[[], None] | None = None
    # How the identity checks log test citizens in (see behaviour.login): test-login,
    # module:callable or an entry point name; None: the environment's choice, else test-login.
    login_driver: str | None = None
    # The vendor file: test clients, test users and login for the identity checks (see
    # conformance.spec.vendor); None: the harness's own set-up.
    vendor: VendorConfig | None = None
    # When max_time began to run (time.monotonic()); None: when run() is called. The command
    # line starts it with the process, so that loading a large spec counts too.
    budget_started: float | None = None


class RunControl:
    """Stops a run from another thread; the run then reports what it has.

    A signal handler had better not call ``stop`` itself: it runs in the main thread, between
    any two steps of it, possibly inside ``stop`` (a second signal) or Schemathesis's own
    locking. Queue the signal and stop from a thread instead, as the command line does. The
    lock is reentrant so that a handler that does call it cannot deadlock on this lock, at
    least.
    """

    def __init__(self) -> None:
        self.event = threading.Event()
        self.reason: str | None = None
        self._lock = threading.RLock()
        self._stream: Any = None
        self._engine_control: Any = None
        self._on_stop: list[Callable[[], None]] = []

    @property
    def stopped(self) -> bool:
        return self.event.is_set()

    def stop(self, reason: str) -> None:
        with self._lock:
            if self.event.is_set():
                return
            self.reason = reason
            self.event.set()
            stream, engine_control = self._stream, self._engine_control
            callbacks = list(self._on_stop)
        for callback in callbacks:
            callback()
        if stream is not None:
            _wind_down(stream, engine_control)

    @contextlib.contextmanager
    def on_stop(self, callback: Callable[[], None]) -> Iterator[None]:
        """Within the block, a stop also calls ``callback`` (at once if stopped already): to
        cut a request in progress."""
        with self._lock:
            self._on_stop.append(callback)
            stopped = self.event.is_set()
        if stopped:
            callback()
        try:
            yield
        finally:
            with self._lock:
                self._on_stop.remove(callback)

    def bind(self, stream: Any) -> None:
        """Stop ``stream`` (Schemathesis's event stream) when the run is stopped; None unbinds."""
        engine_control = _engine_control(stream) if stream is not None else None
        with self._lock:
            self._stream, self._engine_control = stream, engine_control
            stopped = self.event.is_set()
        if stopped and stream is not None:
            _wind_down(stream, engine_control)


def _engine_control(stream: Any) -> Any:
    """The execution control of the engine behind ``stream``, read before the stream starts:
    the engine context is the argument of its generator (Schemathesis 4). None if not found."""
    frame = getattr(getattr(stream, "generator", None), "gi_frame", None)
    engine = frame.f_locals.get("engine") if frame is not None else None
    control = getattr(engine, "control", None)
    return control if hasattr(control, "max_time") else None


def _wind_down(stream: Any, engine_control: Any) -> None:
    """Stop Schemathesis so that nothing it sent is lost.

    ``stream.stop()`` interrupts it, and an interrupted Schemathesis drops the events still
    queued, the scenario in progress among them, with every case it had sent and judged. Its
    time budget spent instead, the scenario in progress ends before its next case and hands over
    what it has, as in a run that ran out of time. Where the engine's control cannot be reached
    (another Schemathesis), interrupt.
    """
    if engine_control is None:
        stream.stop()
        return
    engine_control.max_time = 0


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def tool_versions() -> ToolVersions:
    return ToolVersions(
        gdi_conformance=__version__,
        schemathesis=schemathesis.__version__,
        hypothesis=hypothesis.__version__,
        openapi_core=version("openapi-core"),
        python=platform.python_version(),
    )


def validate_base_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RunSetupError(
            f"--base-url {base_url!r}: expected an http(s) URL such as http://127.0.0.1:8000/tasks/v1"
        )
    return base_url.rstrip("/")


def check_reachable(
    base_url: str,
    timeout: float = REACHABILITY_TIMEOUT,
    *,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    control: RunControl | None = None,
) -> None:
    """Raise ``TargetUnreachable`` unless the target answers an HTTP request (any status).

    Through the engine's client, so with its limits: ``timeout`` for the whole answer, at
    most ``max_response_bytes`` read, no cookie kept. A stop of ``control`` cuts it short
    (and then it does not raise: the stopped run reports what it has, which is nothing).
    """
    with HttpClient(timeout=timeout, max_response_bytes=max_response_bytes) as http:
        stopping = control.on_stop(http.abort) if control else contextlib.nullcontext()
        with stopping:
            exchange = http.send("GET", base_url + "/openapi.json")
    if exchange.answered or (control is not None and control.stopped):
        return
    error = exchange.error or ""
    if error.startswith("no complete answer"):
        raise TargetUnreachable(f"{base_url} did not answer within {timeout:g}s")
    raise TargetUnreachable(f"cannot reach {base_url}: {error}")


def _schemathesis_config(config: RunConfig, execution: _Pass) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": execution.seed,
            "base-url": config.base_url,
            # Judge every answer as given: a redirect is not followed (to another host, it
            # would carry credentials away).
            "max-redirects": 0,
            "request-timeout": config.request_timeout,
            "workers": config.workers,
            # Keep testing an operation after a failure, so every check sees every case.
            "continue-on-failure": True,
            # Timing-based health checks would make the same seed behave differently.
            "suppress-health-check": ["all"],
            # No state carried between runs: a run depends on its seed and the target only.
            "cache": {"enabled": False},
            "generation": {
                "max-examples": execution.max_examples,
                "database": "none",
                "mode": "all",
            },
            "phases": {name: {"enabled": name in execution.phases} for name in TESTING_PHASES},
            "checks": {"enabled": True},
        }
    )


def _subject_matcher(subjects: Subjects) -> Any:
    def subject_of(headers: Mapping[str, str]) -> str | None:
        lowered = {name.lower(): value for name, value in headers.items()}
        for name in subjects:
            try:
                expected = subjects.headers_for(name)
            except CredentialError:
                continue
            if expected and all(
                lowered.get(key.lower()) == value for key, value in expected.items()
            ):
                return name
        return None

    return subject_of


def hypothesis_cache_dir() -> Path | None:
    """``$XDG_CACHE_HOME/gdi-conformance/hypothesis`` (``~/.cache/...``), if it can be written."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    directory = Path(base) / "gdi-conformance" / "hypothesis"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return directory if os.access(directory, os.W_OK) else None


@contextlib.contextmanager
def _hypothesis_home(directory: Path | None) -> Iterator[None]:
    """Hypothesis writes caches to its home directory; keep them out of the working directory.

    Without a directory of the run's choosing, the user's cache directory; a temporary one
    (removed afterwards) if that cannot be written.
    """
    previous = vars(hypothesis.configuration).get("__hypothesis_home_directory")
    directory = directory or hypothesis_cache_dir()
    try:
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            set_hypothesis_home_dir(directory)
            prepare_codec_tables()  # else a first run builds them with a ~200 MB peak
            yield
            return
        with tempfile.TemporaryDirectory(prefix="gdi-conformance-hypothesis-") as temporary:
            set_hypothesis_home_dir(temporary)
            prepare_codec_tables()
            yield
    finally:
        set_hypothesis_home_dir(previous)


_CONSTANTS_LOCK = threading.Lock()
_CONSTANTS_USERS = 0


@contextlib.contextmanager
def _without_local_constants() -> Iterator[None]:
    """Keep constants of the harness's own source out of generated data, while a run lasts.

    Hypothesis mixes literals from "local" modules (not installed in site-packages) into the
    data it draws. Run from a source checkout, the harness's own modules count as local: its
    strings and numbers would end up in requests, the same seed would send different requests
    after any edit of the harness (or from a wheel), and filtering them out costs CPU. The
    hook is private to Hypothesis; without it (another version) nothing changes.
    """
    global _CONSTANTS_USERS
    module: Any = hypothesis.internal.conjecture.providers
    original = getattr(module, "_get_local_constants", None)
    constants = getattr(module, "Constants", None)
    if original is None or constants is None:
        yield
        return
    with _CONSTANTS_LOCK:
        _CONSTANTS_USERS += 1
        if _CONSTANTS_USERS == 1:
            empty = constants()
            module._get_local_constants = lambda: empty
    try:
        yield
    finally:
        with _CONSTANTS_LOCK:
            _CONSTANTS_USERS -= 1
            if _CONSTANTS_USERS == 0:
                module._get_local_constants = original


def _report_reserve(config: RunConfig) -> float:
    """Seconds of the budget kept for the report (at most half of it)."""
    if config.max_time is None:
        return 0.0
    paths = config.spec.bundled.get("paths")
    items = paths.values() if isinstance(paths, dict) else ()
    count = sum(len(_METHODS.intersection(item)) for item in items if isinstance(item, dict))
    return min(count * REPORT_SECONDS_PER_OPERATION, config.max_time / 2)


def _budget_timer(config: RunConfig, control: RunControl, started: float) -> threading.Timer | None:
    if config.max_time is None:
        return None
    remaining = max(config.max_time - _report_reserve(config) - (time.monotonic() - started), 0.0)
    timer = threading.Timer(
        remaining, control.stop, args=(f"the time budget of {config.max_time:g}s ran out",)
    )
    timer.daemon = True
    timer.start()
    return timer


def _run_active_checks(
    context: ActiveContext,
    profile: Profile,
    collector: Collector,
    ran: set[str],
    shard: Shard | None = None,
) -> None:
    wanted = [
        bound for bound in CATALOGUE.active() if bound.always or bound.check.id in profile.check_ids
    ]
    everything = dataclasses.replace(context, operations=list(collector.operations.values()))
    for bound in wanted:
        check = bound.check.id
        if context.stopped:
            return
        if shard is not None and not bound.per_operation and not shard.first:
            continue  # an API-wide check: shard 1 runs it
        scope = context if bound.per_operation else everything
        collector._emit(Progress(kind="phase-started", phase="probes", operation=check))
        failures = 0
        for observation in bound.run(scope):
            if observation.outcome is Outcome.ERROR and context.stopped:
                continue  # a request the stop cut short (or never sent): nothing about the target
            collector.observe(observation)
            failures += observation.outcome.value == "failed"
        ran.add(check)
        collector._emit(
            Progress(kind="probe-done", phase="probes", operation=check, failures=failures)
        )


@dataclass(frozen=True, slots=True)
class _Pass:
    """One Schemathesis execution of a run."""

    phases: tuple[str, ...]
    operations: list[str] | None  # labels ("GET /tasks"); None: the whole API
    seed: int
    max_examples: int


def _passes(config: RunConfig, generated: list[OperationInfo], seed: int) -> list[_Pass]:
    """The Schemathesis executions of this run.

    A shard runs the per-operation phases for its own operations, with the run's seed and
    budget, so together the shards send what one run would. The stateful phase follows links across
    the whole API: every shard runs its share of the scenarios over every operation, with a
    seed of its own derived from the run's (see ``Shard.stateful_seed``).
    """
    if config.shard is None:
        return [_Pass(config.phases, None, seed, config.max_examples)]
    unit = tuple(phase for phase in config.phases if phase != "stateful")
    passes: list[_Pass] = []
    if unit and generated:
        labels = [operation.label for operation in generated]
        passes.append(_Pass(unit, labels, seed, config.max_examples))
    if "stateful" in config.phases:
        shard = config.shard
        passes.append(
            _Pass(
                ("stateful",),
                None,
                shard.stateful_seed(seed),
                shard.stateful_share(config.max_examples),
            )
        )
    return passes


def _run_schemathesis(
    config: RunConfig,
    seed: int,
    state: RunState,
    collector: Collector,
    control: RunControl,
    generated: list[OperationInfo],
    not_run: dict[str, str],
) -> bool:
    """Drive Schemathesis's engine; True when it got to run. Where Schemathesis itself fails
    on the spec (a RecursionError in its analysis of a very large one, say), its phases are
    put in ``not_run`` with the reason, and the run reports what it has."""
    register_formats()
    ran = False
    for execution in _passes(config, generated, seed):
        if control.stopped:
            return ran
        try:
            _execute(config, execution, state, collector, control)
        except RunSetupError:
            raise
        except Exception as exc:
            failure = f"{type(exc).__name__}: {exc}"[:200]
            for phase in execution.phases:
                not_run[phase] = f"not executed: Schemathesis failed on this spec ({failure})"
            return ran
        ran = True
    return ran


def _execute(
    config: RunConfig,
    execution: _Pass,
    state: RunState,
    collector: Collector,
    control: RunControl,
) -> None:
    try:
        schema = schemathesis.openapi.from_dict(
            copy.deepcopy(config.spec.bundled), config=_schemathesis_config(config, execution)
        )
    except Exception as exc:  # Schemathesis rejects specs the loader accepted, e.g. bad regexes
        raise RunSetupError(f"Schemathesis cannot use the spec: {exc}") from exc
    if execution.operations is not None:  # same class, fewer operations
        schema = cast(Any, schema.include(name=execution.operations))
    if PRIMARY in config.subjects:
        schema.auth.set_from_requests(SubjectAuth(config.subjects, PRIMARY))
    attach(schema, state)
    limit_responses(schema, config.max_response_bytes)
    try:
        stream = from_schema(schema).execute()
        control.bind(stream)
        with control.on_stop(lambda: _abort_later(schema, _stop_grace(config))):
            for event in stream:
                collector.handle(event)
    finally:
        control.bind(None)
        detach(schema)
        release(schema)


def _stop_grace(config: RunConfig) -> float:
    """How long the case in flight at a stop may still take: its answer is judged if it comes
    (see ``_wind_down``), within half the 10 % a run may overrun its budget."""
    share = 0.05 * config.max_time if config.max_time is not None else 2.0
    return min(config.request_timeout, max(share, 0.5))


def _abort_later(schema: Any, grace: float) -> None:
    timer = threading.Timer(grace, abort_requests, args=(schema,))
    timer.daemon = True
    timer.start()


def run(
    config: RunConfig,
    *,
    control: RunControl | None = None,
    listener: Listener | None = None,
) -> RunReport:
    control = control or RunControl()
    load_checks()
    config.base_url = validate_base_url(config.base_url)
    try:
        driver_for(config.login_driver, config.vendor)  # one that cannot load: before any request
    except LoginDriverError as exc:
        raise RunSetupError(str(exc)) from exc
    profile = config.profile or generic_profile()
    seed = config.seed if config.seed is not None else random.SystemRandom().randrange(2**32)
    started_at, started = _now(), config.budget_started or time.monotonic()
    timer = _budget_timer(config, control, started)
    try:
        return _run(config, control, listener, profile, seed, started_at, started)
    finally:
        if timer is not None:
            timer.cancel()


def _run(
    config: RunConfig,
    control: RunControl,
    listener: Listener | None,
    profile: Profile,
    seed: int,
    started_at: str,
    started: float,
) -> RunReport:
    check_reachable(
        config.base_url,
        min(config.request_timeout, REACHABILITY_TIMEOUT),
        max_response_bytes=config.max_response_bytes,
        control=control,
    )
    # An OpenID provider's endpoints are where its discovery document says, not the spec's paths
    # (the lint check still judges the spec as written).
    written = config.spec
    config.spec = map_onto_provider(config.spec, config.base_url, timeout=config.request_timeout)
    redactor = config.subjects.redactor
    for subject in config.subjects:
        try:
            config.subjects.headers_for(subject)  # fail before testing, not halfway through
        except CredentialError as exc:
            raise RunSetupError(str(exc)) from exc

    document = config.spec.bundled
    info = document.get("info") or {}
    api_version = str(info["version"]) if "version" in info else None
    operations = list_operations(document)
    tested = shard_operations(operations, config.shard) if config.shard else operations
    generated = shard_generated_operations(operations, config.shard) if config.shard else operations
    too_large = _too_large(operations)
    exchanges: ExchangeValidator | None = None
    if too_large is None:  # only generated cases are validated with openapi-core
        try:
            exchanges = ExchangeValidator(document, config.base_url)
        except Exception as exc:
            raise RunSetupError(f"openapi-core cannot use the spec: {exc}") from exc
    collector = Collector(
        operations,
        redactor,
        subject_of=_subject_matcher(config.subjects),
        listener=listener,
        stopped=lambda: control.stopped,
        document=document,
    )
    state = RunState(
        api_version=api_version,
        document=document,
        tls=config.base_url.startswith("https://"),
        walker=SchemaWalker(document),
        exchanges=exchanges,
    )
    ran: set[str] = set()
    not_run: dict[str, str] = {}  # phase: why it was not executed
    with (
        HttpClient(
            timeout=config.request_timeout, max_response_bytes=config.max_response_bytes
        ) as http,
        control.on_stop(http.abort),
    ):
        context = ActiveContext(
            base_url=config.base_url,
            document=document,
            api_version=api_version,
            operations=tested,
            subjects=config.subjects,
            http=http,
            exchanges=exchanges,
            spec=written,
            stop_event=control.event,
            seed=seed,
            profile=profile,
            restart=config.restart,
            login_driver=config.login_driver,
            vendor=config.vendor,
        )
        _run_active_checks(context, profile, collector, ran, config.shard)
    if too_large is not None:
        not_run = {phase: too_large for phase in config.phases}
    else:
        with _hypothesis_home(config.hypothesis_dir), _without_local_constants():
            per_response = {check.id for check in CATALOGUE.per_response()}
            if not _passes(config, generated, seed):
                ran.update(per_response)  # an empty shard: nothing to generate
            elif _run_schemathesis(config, seed, state, collector, control, generated, not_run):
                ran.update(per_response)

    completion = _completion(
        control,
        collector,
        generated=bool(_passes(config, generated, seed)) and not not_run,
        not_executed=next(iter(not_run.values()), None),
    )
    implemented = frozenset(
        {check.id for check in CATALOGUE.per_response()}
        | {bound.check.id for bound in CATALOGUE.active()}
    )
    skip_reasons = {
        check: "not implemented by this engine" for check in profile.check_ids - implemented
    }
    for check in implemented - ran:
        skip_reasons[check] = completion.reason or "not selected for this run"
        bound = CATALOGUE.bound(check)
        api_wide = bound is not None and not bound.per_operation and not bound.check.per_response
        if config.shard is not None and not config.shard.first and api_wide:
            skip_reasons[check] = f"an API-wide check: shard 1 of {config.shard.count} runs it"
    observed = Observed(
        tallies=collector.tallies,
        operation_ids={label: item.operation_id for label, item in collector.operations.items()},
        operation_errors=collector.operation_errors,
        implemented=implemented,
        ran=frozenset(ran),
        answered=any(item.status_codes for item in collector.coverage.values())
        or any(tally.cases for tally in collector.tallies.values()),
        skip_reasons=skip_reasons,
        statuses={label: dict(item.status_codes) for label, item in collector.coverage.items()},
        routed=_routed(collector),
        not_applicable=not_applicable(document) if operations else {},
        secured=frozenset(label for label, secured in collector.secured.items() if secured),
    )
    requirements = [assess_requirement(item, profile, observed) for item in profile.requirements]
    reported_checks = sorted(profile.check_ids | ran | {c for c, _ in collector.tallies})
    generated_labels = {operation.label for operation in generated}
    finished = time.monotonic()
    return RunReport(
        run_id=str(uuid.uuid4()),
        tools=tool_versions(),
        spec=SpecInfo(
            path=_spec_label(config),
            sha256=config.spec.sha256,
            title=str(info["title"]) if "title" in info else None,
            version=api_version,
            openapi_version=config.spec.openapi_version,
        ),
        profile=ProfileInfo(
            kind=profile.kind,
            name=profile.name,
            version=profile.version,
            sha256=profile.sha256,
            id_prefix=profile.id_prefix,
            path=portable_label(profile.path) if profile.path else None,
        ),
        base_url=config.base_url,
        seed=seed,
        budget=Budget(
            max_examples=config.max_examples,
            max_time_s=config.max_time,
            workers=config.workers,
            request_timeout_s=config.request_timeout,
            max_response_bytes=config.max_response_bytes,
        ),
        started_at=started_at,
        finished_at=_now(),
        duration_s=round(finished - started, 3),
        completion=completion,
        # A shard is a part of a run: only the merge of all parts has a verdict.
        verdict=Verdict.PARTIAL if config.shard else decide_verdict(requirements, completion),
        summary=summarise(requirements, collector.total_cases),
        requirements=requirements,
        checks=[assess_check(check, observed) for check in reported_checks],
        phases=_phases(collector, ran, config, not_run),
        subjects=config.subjects.describe(),
        operations=[
            coverage
            for label, coverage in collector.coverage.items()
            if coverage.cases or label in generated_labels
        ],
        response_times=collector.samples,
        errors=collector.errors,
        product=config.product,
        shard=ShardInfo(
            index=config.shard.index,
            count=config.shard.count,
            operations=[operation.label for operation in generated],
        )
        if config.shard
        else None,
    )


def _routed(collector: Collector) -> bool:
    """Some answer reached an operation (not 401, 403 or 404), or nothing was generated."""
    codes = {code for item in collector.coverage.values() for code in item.status_codes}
    return not codes or bool(codes - {"401", "403", "404"})


def not_applicable(document: dict[str, Any]) -> dict[str, str]:
    """Checks the spec declares nothing for (no date-time in any response, no DELETE, ...)."""
    return {
        check.id: check.precondition.not_applicable
        for check in CATALOGUE
        if check.precondition.applies is not None and not check.precondition.applies(document)
    }


def _spec_label(config: RunConfig) -> str:
    """How the report names the spec: never by a local absolute path (see spec.labels)."""
    portable = portable_label(config.spec.path)
    label = config.spec_label or portable
    for local in {str(config.spec.path), str(Path(config.spec.path).resolve())}:
        if Path(local).is_absolute():
            label = label.replace(local, portable)
    return label


def _completion(
    control: RunControl,
    collector: Collector,
    *,
    generated: bool = True,
    not_executed: str | None = None,
) -> Completion:
    if control.stopped:
        return Completion(complete=False, reason=control.reason)
    if not_executed is not None:  # a phase that could not handle the spec
        return Completion(complete=False, reason=f"generated phases {not_executed}")
    if collector.fatal:
        return Completion(complete=False, reason=f"the engine failed: {collector.fatal}")
    if collector.stop_reason is StopReason.SERVER_UNAVAILABLE:
        return Completion(complete=False, reason="the target stopped responding during the run")
    if collector.interrupted or collector.stop_reason not in (StopReason.COMPLETED, None):
        reason = collector.stop_reason.value if collector.stop_reason else "interrupted"
        return Completion(complete=False, reason=f"the run stopped early ({reason})")
    if collector.stop_reason is None and generated:
        return Completion(complete=False, reason="generated testing did not run")
    return Completion(complete=True)


def _phases(
    collector: Collector, ran: set[str], config: RunConfig, not_run: Mapping[str, str]
) -> list[PhaseResult]:
    active = {bound.check.id for bound in CATALOGUE.active()}
    probes_ran = any(check in ran for check in active)
    probe_status = "skipped"
    if probes_ran:
        failed = any(
            tally.failures for (check, _), tally in collector.tallies.items() if check in active
        )
        probe_status = "failed" if failed else "passed"
    phases = [PhaseResult(name="probes", status=probe_status)]
    # A sharded run executes Schemathesis more than once; each execution reports every phase,
    # the ones it did not run as skipped.
    seen: dict[str, PhaseResult] = {}
    for phase in collector.phases:
        if phase.name not in seen or seen[phase.name].status == "skipped":
            seen[phase.name] = phase
    phases += seen.values()
    for name in TESTING_PHASES:
        if name in not_run and (name not in seen or seen[name].status == "skipped"):
            phases = [phase for phase in phases if phase.name != name]
            phases.append(PhaseResult(name=name, status="skipped", reason=not_run[name]))
        elif name not in seen:
            reason = "disabled" if name not in config.phases else "not reached"
            phases.append(PhaseResult(name=name, status="skipped", reason=reason))
    return phases


def _too_large(operations: list[OperationInfo]) -> str | None:
    """Why the spec is too large for Schemathesis's phases, or None."""
    if len(operations) <= MAX_GENERATED_OPERATIONS:
        return None
    return (
        f"not executed: the spec has {len(operations)} operations, more than the "
        f"{MAX_GENERATED_OPERATIONS} the generated phases handle within bounded time and memory"
    )


__all__ = [
    "RunConfig",
    "RunControl",
    "RunSetupError",
    "TargetUnreachable",
    "check_reachable",
    "run",
]
