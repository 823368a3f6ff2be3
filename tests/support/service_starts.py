"""Keep the fast lane fast: a test that starts a process or a uvicorn server must be marked slow.

The rule is about what a test does, not how long it took (timings on a shared machine are
noise): while a test's set-up and call run, every ``subprocess.Popen`` (``subprocess.run``,
``asyncio``'s subprocesses and ``os.popen`` go through it) and every ``uvicorn.Server`` is noted.
A test not marked ``slow`` fails when

- something was started while its set-up or call ran, or
- it uses a fixture that started something when it was set up, even if an earlier test set that
  fixture up (a module or session fixture starts once; every test using it is held to the rule,
  so the verdict does not depend on the order the tests ran in).

Loaded by the root conftest (``pytest_plugins``).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Generator, Iterable
from typing import Any

import pytest
import uvicorn

SLOW_MARKER = "slow"


FixtureKey = tuple[str, str]


def fixture_key(fixturedef: Any) -> FixtureKey:
    """Where a fixture is defined (the node id of its conftest or module) and its name."""
    return (str(fixturedef.baseid), str(fixturedef.argname))


class ServiceStarts:
    """What was started while a test, or a fixture, ran."""

    def __init__(self) -> None:
        self.recording = False
        self.started: list[str] = []
        # by where a fixture is defined and its name: two fixtures may share a name
        self.starting_fixtures: dict[FixtureKey, str] = {}

    def note(self, what: str) -> None:
        if self.recording:
            self.started.append(what)

    def begin(self) -> None:
        self.recording = True
        self.started = []

    def end(self) -> list[str]:
        self.recording = False
        started, self.started = self.started, []
        return started

    def fixture_set_up(self, key: FixtureKey, started: Iterable[str]) -> None:
        for what in started:
            self.starting_fixtures.setdefault(key, what)

    def used_by(self, item: pytest.Item) -> dict[str, str]:
        """The fixtures ``item`` uses that started something, and what."""
        info = getattr(item, "_fixtureinfo", None)  # pytest's own record of the item's fixtures
        found: dict[str, str] = {}
        for name, definitions in getattr(info, "name2fixturedefs", {}).items():
            if definitions:  # the last definition is the one that serves the item
                what = self.starting_fixtures.get(fixture_key(definitions[-1]))
                if what is not None:
                    found[name] = what
        return found


def violation(*, slow: bool, started: list[str], fixtures_started: dict[str, str]) -> str | None:
    """Why a test breaks the fast lane's rule, or None when it keeps it. ``fixtures_started``:
    the fixtures the test uses that started something when they were set up, and what."""
    if slow:
        return None
    reasons = [f"it started {what}" for what in dict.fromkeys(started)]
    reasons += [
        f"it uses fixture {name!r}, which started {what}" for name, what in fixtures_started.items()
    ]
    if not reasons:
        return None
    return (
        f"not marked @pytest.mark.{SLOW_MARKER}, but {'; '.join(reasons)}: a test that starts a "
        f"process or a server belongs in the slow lane (tox -e fast leaves it out)"
    )


def describe_command(args: Any) -> str:
    """``a process (git status)``: the command, short enough for a failure message."""
    if isinstance(args, str | bytes):
        words = [args.decode(errors="replace") if isinstance(args, bytes) else args]
    else:
        words = [str(word) for word in args]
    command = " ".join(" ".join(words).split())
    return f"a process ({command[:80]}{'...' if len(command) > 80 else ''})"


def _noting(original: Callable[..., Any], starts: ServiceStarts, what: Callable[..., str]) -> Any:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        starts.note(what(*args, **kwargs))
        original(self, *args, **kwargs)

    return __init__


class ServiceStartsPlugin:
    def __init__(self) -> None:
        self.starts = ServiceStarts()
        self._patch = pytest.MonkeyPatch()

    def pytest_configure(self, config: pytest.Config) -> None:
        self._patch.setattr(
            subprocess.Popen,
            "__init__",
            _noting(
                subprocess.Popen.__init__,
                self.starts,
                lambda args=(), *_, **__: describe_command(args),
            ),
        )
        self._patch.setattr(
            uvicorn.Server,
            "__init__",
            _noting(uvicorn.Server.__init__, self.starts, lambda *_, **__: "a uvicorn server"),
        )

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self._patch.undo()

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(
        self, fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
    ) -> Generator[None, Any, Any]:
        # Dependencies are set up before this hook, so what starts here is this fixture's own.
        before = len(self.starts.started)
        try:
            return (yield)
        finally:
            self.starts.fixture_set_up(fixture_key(fixturedef), self.starts.started[before:])

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, None, None]:
        self.starts.begin()
        return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        try:
            result = yield
        finally:
            started = self.starts.end()
        why = violation(
            slow=item.get_closest_marker(SLOW_MARKER) is not None,
            started=started,
            fixtures_started=self.starts.used_by(item),
        )
        if why is not None:
            pytest.fail(why, pytrace=False)
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, None, None]:
        self.starts.end()  # a set-up that failed never reached the call
        return (yield)


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(ServiceStartsPlugin(), "service-starts")
