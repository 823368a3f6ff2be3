"""The fast lane's rule (support.service_starts): what a test starts, not how long it took."""

from __future__ import annotations

import pytest
from support.service_starts import describe_command, violation

pytest_plugins = ("pytester",)


def test_a_slow_test_may_start_anything() -> None:
    started = ["a process (git status)", "a uvicorn server"]
    assert violation(slow=True, started=started, fixtures_started={"a": "x"}) is None


def test_a_test_that_starts_nothing_keeps_the_rule() -> None:
    assert violation(slow=False, started=[], fixtures_started={}) is None


def test_what_was_started_is_named_once() -> None:
    why = violation(
        slow=False,
        started=["a uvicorn server", "a uvicorn server"],
        fixtures_started={},
    )
    assert why is not None
    assert why.count("a uvicorn server") == 1
    assert "@pytest.mark.slow" in why


def test_a_fixture_that_started_something_earlier_counts() -> None:
    why = violation(
        slow=False,
        started=[],
        fixtures_started={"server": "a process (python -m app)"},
    )
    assert why is not None
    assert "'server'" in why and "python -m app" in why


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["git", "status"], "a process (git status)"),
        ("echo   two\n lines", "a process (echo two lines)"),
        (b"ls", "a process (ls)"),
        (["x" * 100], f"a process ({'x' * 80}...)"),
    ],
)
def test_commands_are_named_short(args: object, expected: str) -> None:
    assert describe_command(args) == expected


SUITE = """
import subprocess, sys
import pytest
import uvicorn

def start():
    subprocess.run([sys.executable, "-c", "pass"], check=True)

@pytest.fixture(scope="module")
def started_once():
    start()

def test_quiet():
    assert True

def test_starts_unmarked():
    start()

def test_builds_a_uvicorn_server_unmarked():
    uvicorn.Server(uvicorn.Config(app=None))

@pytest.mark.slow
def test_starts_marked():
    start()

{fixture_users}

def test_fails_itself():
    start()
    assert False, "its own failure"
"""


# Another module's fixture of the same name that starts nothing: its users keep the rule.
NAMESAKE = """
import pytest

@pytest.fixture(scope="module")
def started_once():
    return "nothing started"

def test_a_namesake_that_starts_nothing(started_once):
    pass
"""


@pytest.mark.slow  # the suite it runs starts processes
@pytest.mark.parametrize("first_is_slow", [True, False], ids=["slow-first", "unmarked-first"])
def test_the_rule_in_a_run(pytester: pytest.Pytester, first_is_slow: bool) -> None:
    """Whichever test sets a module fixture up, the unmarked one that uses it fails."""
    marked = "@pytest.mark.slow\ndef test_marked_uses_it(started_once):\n    pass\n"
    unmarked = "def test_unmarked_uses_it(started_once):\n    pass\n"
    # pytest runs a module's tests in the order they are written
    users = [marked, unmarked] if first_is_slow else [unmarked, marked]
    suite = SUITE.replace("{fixture_users}", "\n\n".join(users))
    pytester.makeini("[pytest]\nmarkers =\n    slow: slow\n")
    pytester.makepyfile(test_suite=suite, test_unrelated=NAMESAKE)  # runs after test_suite
    result = pytester.runpytest_inprocess("-p", "support.service_starts", "-p", "no:randomly")
    outcomes = {
        report.nodeid.split("::")[-1]: report.outcome
        for report in result.reprec.getreports("pytest_runtest_logreport")  # type: ignore[attr-defined]
        if report.when == "call"
    }
    assert outcomes == {
        "test_quiet": "passed",
        "test_starts_unmarked": "failed",
        "test_builds_a_uvicorn_server_unmarked": "failed",
        "test_starts_marked": "passed",
        "test_marked_uses_it": "passed",
        "test_unmarked_uses_it": "failed",
        "test_fails_itself": "failed",
        "test_a_namesake_that_starts_nothing": "passed",
    }
    result.stdout.fnmatch_lines(["*its own failure*"])
    result.stdout.fnmatch_lines(["*it started a uvicorn server*"])
    result.stdout.fnmatch_lines(["*uses fixture 'started_once', which started a process*"])
