"""Every reliance of the harness on what Schemathesis and Hypothesis do not publish.

Their public API is what ``schemathesis.__all__`` and Hypothesis's documented API name. What
the harness needs beyond that is here and nowhere else, one function (or name) per reliance,
each saying why; ``tests/engine/test_schemathesis_internals.py`` has a test per reliance that
fails, with a message naming it, when an upgrade takes it away or changes what it does.
Where a function or attribute is gone, the code here degrades as its docstring says; where a
whole module is gone, importing this one fails, and the tests name which.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hypothesis.configuration
import hypothesis.internal.charmap
import hypothesis.internal.conjecture.providers
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis.core.failures import Failure, Severity
from schemathesis.core.parameters import ParameterLocation
from schemathesis.engine import Status, StopReason, events, from_schema
from schemathesis.engine.recorder import Interaction, ScenarioRecorder
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER

if TYPE_CHECKING:
    import requests

# --- Schemathesis: its engine -----------------------------------------------------------------

# ``schemathesis.engine`` is the engine its CLI drives: every phase (examples, coverage, fuzzing,
# stateful) with its checks, workers and time budget. The Python API published beside it
# (``schema.parametrize`` under pytest) runs one operation per test and no stateful phase, so
# the harness drives the engine itself and reads its events (``events``: PhaseStarted,
# PhaseFinished, ScenarioFinished, NonFatalError, FatalError, Interrupted, EngineFinished),
# their statuses (``Status``), why it stopped (``StopReason``) and what each scenario sent and
# got (``ScenarioRecorder``, ``Interaction``).
__all__ = [
    "HIGH_SEVERITY",
    "Interaction",
    "ScenarioRecorder",
    "Status",
    "StopReason",
    "TitledFailure",
    "case_auth",
    "clear_schemathesis_caches",
    "codec_table_file",
    "current_hypothesis_home",
    "engine_control",
    "events",
    "execute",
    "header_only_mutations",
    "hypothesis_home",
    "is_negative_case",
    "left_out_headers",
    "register_global_hook",
    "spend_time_budget",
    "without_local_constants",
    "wrap_session_factory",
]


def execute(schema: Any) -> Any:
    """Start Schemathesis's engine on ``schema``: its event stream (``schemathesis.engine``,
    not published; see above). Nothing is sent until the stream is iterated."""
    return from_schema(schema).execute()


def engine_control(stream: Any) -> Any:
    """The execution control of the engine behind ``stream``, read before the stream starts.

    The stream hides the engine's context; it is the local ``engine`` of the stream's generator
    (Schemathesis 4), whose ``control.max_time`` bounds the run. The harness needs it to stop a
    run without losing what was sent (see ``spend_time_budget``). None where it is not found
    (another Schemathesis): the run is then stopped by interrupting the stream.
    """
    frame = getattr(getattr(stream, "generator", None), "gi_frame", None)
    engine = frame.f_locals.get("engine") if frame is not None else None
    control = getattr(engine, "control", None)
    return control if hasattr(control, "max_time") else None


def spend_time_budget(control: Any) -> None:
    """Make the engine behave as if its time budget ran out.

    ``stream.stop()`` interrupts Schemathesis, and an interrupted Schemathesis drops the events
    still queued, the scenario in progress among them, with every case it had sent and judged.
    Its time budget spent instead, the scenario in progress ends before its next case and hands
    over what it has, as in a run that ran out of time. ``max_time`` is read before each case.
    """
    control.max_time = 0


class TitledFailure(Failure):
    """The base of our checks' findings: a Schemathesis ``Failure`` (``schemathesis.core``, not
    published; a check that raises a plain AssertionError gets one title for all its findings)
    that Schemathesis folds by its title alone.

    Schemathesis folds the failures of one check by ``_unique_key`` (private). Ours differ by
    title (one finding per kind of defect), not by the message, which names the case.
    """

    @property
    def _unique_key(self) -> str:
        return self.title


HIGH_SEVERITY = Severity.HIGH
"""How severe our findings are, in Schemathesis's own scale (``schemathesis.core.failures``)."""


# --- Schemathesis: the cases it generates -----------------------------------------------------


def is_negative_case(case: Any) -> bool:
    """Whether Schemathesis generated ``case`` to be invalid (``case.meta``, not published:
    the generation mode it drew the case in). A case without it counts as positive."""
    meta = getattr(case, "meta", None)
    return meta is not None and bool(meta.generation.mode.is_negative)


def header_only_mutations(case: Any) -> list[Any] | None:
    """The header names a negative case leaves out as its only mutation, else None.

    Read from the case's record of how it was made (``case.meta.components`` and
    ``case.meta.phase.data.mutations``, not published): each mutation names where it acted
    (``parameter_location``), which keywords it broke (``keywords``) and what it changed
    (``original_value``: for ``required``, the names left out). None when the case is not
    negative, is negative elsewhere than in its headers, or has another mutation.
    """
    meta = getattr(case, "meta", None)
    if meta is None or not meta.generation.mode.is_negative:
        return None
    negative = [place for place, info in meta.components.items() if info.mode.is_negative]
    mutations = getattr(meta.phase.data, "mutations", ()) or ()
    if negative != [ParameterLocation.HEADER] or not mutations:
        return None
    left_out: list[Any] = []
    for mutation in mutations:
        names = mutation.original_value
        if (
            mutation.parameter_location is not ParameterLocation.HEADER
            or tuple(mutation.keywords) != ("required",)
            or not isinstance(names, list)
            or not names
        ):
            return None
        left_out.extend(names)
    return left_out


def case_auth(case: Any) -> Any:
    """The auth object ``schema.auth.set_from_requests`` gave ``case`` (``case._auth``,
    private): a ``before_call`` hook must know whose credentials the case carries."""
    return getattr(case, "_auth", None)


def left_out_headers(case: Any) -> frozenset[str]:
    """Headers a negative case leaves out on purpose, lower-case (Schemathesis strips them
    from the request itself; ``schemathesis.transport.prepare.get_exclude_headers``, not
    published). Empty where that function is gone: credentials then go on every request."""
    try:
        from schemathesis.transport.prepare import get_exclude_headers
    except ImportError:
        return frozenset()
    return frozenset(name.lower() for name in get_exclude_headers(case))


def clear_schemathesis_caches() -> None:
    """Drop the caches Schemathesis keeps of the specs it analysed
    (``schemathesis.specs.openapi._caches.clear_all``, private): between the runs of one process
    (never during one), so that a certify of three blocks does not hold three specs' analyses.
    Nothing happens where it is gone (another Schemathesis): the memory is then held longer."""
    try:
        caches = importlib.import_module("schemathesis.specs.openapi._caches")
    except ImportError:
        return
    clear = getattr(caches, "clear_all", None)
    if callable(clear):
        clear()


# --- Schemathesis: its transport ---------------------------------------------------------------


def register_global_hook(hook: Callable[..., Any], name: str) -> None:
    """Register ``hook`` as the global hook ``name`` (``GLOBAL_HOOK_DISPATCHER``, not
    published). The published ``schemathesis.hook`` takes the hook's name from the function's;
    this one lets a private function (``_before_call``) serve as ``before_call``."""
    GLOBAL_HOOK_DISPATCHER.register_hook_with_name(hook, name)


def wrap_session_factory(
    wrap: Callable[[Callable[..., requests.Session]], Callable[..., requests.Session]],
) -> bool:
    """Replace Schemathesis's ``schemathesis.engine.context.make_session(config, ...)`` (not
    published) with ``wrap(original)``. It makes every session of a run, those of its
    capability probes (sent before the first case, outside every hook for cases) among them:
    the only place to put the response limits on those. False where it is not found (another
    Schemathesis): each case still gets the limits through ``before_call``, the probes go
    without."""
    try:
        from schemathesis.engine import context
    except ImportError:
        return False
    make_session: Callable[..., requests.Session] | None = getattr(context, "make_session", None)
    if make_session is None:
        return False
    context.make_session = wrap(make_session)
    return True


# --- Hypothesis --------------------------------------------------------------------------------


def current_hypothesis_home() -> Any:
    """Hypothesis's home directory as set, or None when never set (``hypothesis.configuration``'s
    private ``__hypothesis_home_directory``): to put back what was there after a run. The
    published ``storage_directory`` would create the default ``.hypothesis`` in the working
    directory instead."""
    return vars(hypothesis.configuration).get("__hypothesis_home_directory")


@contextlib.contextmanager
def hypothesis_home(directory: str | Path) -> Iterator[None]:
    """Hypothesis's home directory is ``directory`` within the block, what it was before after.

    ``set_hypothesis_home_dir`` (``hypothesis.configuration``, not in Hypothesis's API docs) is
    the only way to move its caches out of the working directory without an environment
    variable read once at import.
    """
    previous = current_hypothesis_home()
    try:
        set_hypothesis_home_dir(directory)
        yield
    finally:
        set_hypothesis_home_dir(previous)


def codec_table_file(codec: str) -> Path | None:
    """Where Hypothesis keeps (and looks for) its table of the characters ``codec`` encodes:
    ``hypothesis.internal.charmap.charmap_file("codec-v2-<codec>")``, a gzipped JSON of
    ``[encodable runs, lossy runs]`` (name and format private). Written ahead, it spares a first
    run Hypothesis's own build of it (~200 MB at the peak). None where that function is gone
    (another Hypothesis): Hypothesis then builds the table itself."""
    locate = getattr(hypothesis.internal.charmap, "charmap_file", None)
    if locate is None:
        return None
    return Path(locate(f"codec-v2-{codec}"))


_CONSTANTS_LOCK = threading.Lock()
_CONSTANTS_USERS = 0


@contextlib.contextmanager
def without_local_constants() -> Iterator[None]:
    """Keep constants of the harness's own source out of generated data, while a run lasts.

    Hypothesis mixes literals from "local" modules (not installed in site-packages) into the
    data it draws (``hypothesis.internal.conjecture.providers._get_local_constants``, private;
    an empty ``Constants()`` turns it off). Run from a source checkout, the harness's own
    modules count as local: its strings and numbers would end up in requests, the same seed
    would send different requests after any edit of the harness (or from a wheel), and
    filtering them out costs CPU. Without the hook (another version) nothing changes.
    Nested and concurrent runs share the switch: the last one out puts the original back.
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
