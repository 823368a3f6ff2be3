"""The pytest plugin, black-box with pytester: installed through its entry point, inert by
default, one item per requirement and operation, xdist, JUnit, and vendor hooks.

The target is the engine's tasks target (fixtures/targets/tasks), served for real on
loopback; a flawed variant plays the mutant. Runs that start the engine use a separate
pytest process (``runpytest_subprocess``): an in-process run would drop the engine's lazily
imported modules from ``sys.modules`` afterwards, as pytester restores it, and the next run
would mix two copies of them. Path-valued options are written ``--gdi-spec=PATH``: pytest
decides its rootdir before plugins add their options, and would take a separate value for
a test path.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from importlib.metadata import entry_points

import pytest
from engine.tasks_target import TARGET_DIR, TOKEN, serve_tasks

pytest_plugins = ("pytester",)
pytestmark = pytest.mark.slow

SPEC = TARGET_DIR / "openapi.yaml"
FAST = ("--gdi-max-examples", "2", "--gdi-seed", "7", "-p", "no:cacheprovider")
AUTH = (f"--gdi-header=Authorization: Bearer {TOKEN}",)
OPERATIONS = (
    "GET /tasks",
    "POST /tasks",
    "GET /tasks/{taskId}",
    "PATCH /tasks/{taskId}",
    "DELETE /tasks/{taskId}",
)


@pytest.fixture(scope="module")
def conformant() -> Iterator[str]:
    with serve_tasks() as (base_url, _app):
        yield base_url


@pytest.fixture(scope="module")
def without_version_header() -> Iterator[str]:
    with serve_tasks("missing-version-header") as (base_url, _app):
        yield base_url


def gdi(base_url: str, *extra: str) -> tuple[str, ...]:
    return (f"--gdi-spec={SPEC}", f"--gdi-base-url={base_url}", *FAST, *extra)


def test_plugin_is_installed_through_its_entry_point() -> None:
    found = [item for item in entry_points(group="pytest11") if item.name == "gdi_conformance"]
    assert [item.value for item in found] == ["conformance.pytest_plugin"]


def test_importing_the_plugin_loads_nothing_of_the_engine() -> None:
    """Only the seed policy (a module of the standard library's random, in packages whose
    ``__init__`` import nothing): every pytest run loads the plugin."""
    code = (
        "import sys, conformance.pytest_plugin; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('schemathesis', 'hypothesis', 'httpx') or m.startswith(('conformance.engine', "
        "'conformance.spec'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = done.stdout.strip()
    assert loaded == str(
        ["conformance.engine", "conformance.engine.fuzzing", "conformance.engine.fuzzing.seed"]
    )


def test_without_its_options_the_plugin_changes_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_one():\n    assert True\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*gdi-conformance:*")
    assert "--gdi-bb" in pytester.runpytest("--help").stdout.str()


def test_conformant_target_passes_with_readable_ids(
    pytester: pytest.Pytester, conformant: str
) -> None:
    result = pytester.runpytest_subprocess(*gdi(conformant, *AUTH), "-v")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0 and outcomes.get("errors", 0) == 0, result.stdout.str()
    assert outcomes["passed"] >= 15 * len(OPERATIONS)
    for operation in OPERATIONS:
        result.stdout.fnmatch_lines([f"*gdi:openapi.yaml::GDI-GEN-001[[]{operation}[]] PASSED*"])
    result.stdout.fnmatch_lines(["*GDI-GEN-004[[]api[]] PASSED*"])
    result.stdout.fnmatch_lines(["gdi-conformance: generic profile*seed 7"])


def test_a_mutant_fails_with_the_requirement_and_its_evidence(
    pytester: pytest.Pytester, without_version_header: str
) -> None:
    result = pytester.runpytest_subprocess(*gdi(without_version_header, *AUTH))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    failed = [line for line in result.stdout.lines if line.startswith("FAILED ")]
    assert failed and all("GDI-GEN-001[" in line for line in failed), failed
    result.stdout.fnmatch_lines(
        [
            "GDI-GEN-001 (MUST) failed on GET /tasks: Every response*",
            "  adr:version-header: API-Version header missing*",
            "    reproduce: curl -X GET *",
        ]
    )
    assert TOKEN not in result.stdout.str()  # the credential is redacted in the evidence


def test_items_share_one_engine_run_under_xdist_with_unique_junit_ids(
    pytester: pytest.Pytester, conformant: str
) -> None:
    runs = pytester.path / "runs.txt"
    pytester.makeconftest(
        f"""
def pytest_gdi_report(report, config):
    with open({str(runs)!r}, "a") as stream:
        stream.write(report.run_id + "\\n")
"""
    )
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest_subprocess(
        *gdi(conformant, *AUTH), "-n", "2", f"--junitxml={junit}"
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0 and outcomes["passed"] > 0, result.stdout.str()
    assert len(runs.read_text().splitlines()) == 1  # one engine run for both workers
    cases = ElementTree.parse(junit).getroot().iter("testcase")
    ids = [(case.get("classname"), case.get("name")) for case in cases]
    assert len(ids) == len(set(ids)) == outcomes["passed"] + outcomes.get("skipped", 0)
    assert ("gdi:openapi.yaml", "GDI-GEN-001[GET /tasks]") in ids


def test_a_single_item_runs_on_its_own(pytester: pytest.Pytester, conformant: str) -> None:
    result = pytester.runpytest_subprocess(*gdi(conformant, *AUTH), "-k", "GDI-GEN-004 and DELETE")
    result.assert_outcomes(passed=1)


def test_vendor_hooks_add_a_check_and_credentials(
    pytester: pytest.Pytester, without_version_header: str
) -> None:
    pytester.makeconftest(
        f"""
from conformance.client.credentials import StaticHeaders
from conformance.engine.checks.active import Observation
from conformance.results import Outcome


def pytest_gdi_configure_auth(sources, config):
    sources["primary"] = StaticHeaders({{"Authorization": "Bearer {TOKEN}"}})


def pytest_gdi_register_checks(registry, config):
    @registry.check(
        "acme:title",
        requirement="ACME-001",
        statement="The published document is titled as the vendor expects.",
    )
    def title(ctx):
        exchange = ctx.http.send("GET", ctx.url("/openapi.json"))
        wanted = config.getoption("--acme-title")
        found = wanted in exchange.response.body.decode()
        yield Observation(
            check="acme:title",
            outcome=Outcome.PASSED if found else Outcome.FAILED,
            title="" if found else "Unexpected title",
            message="" if found else f"the document is not titled {{wanted!r}}",
            label="GET /openapi.json",
            exchange=exchange,
        )

    registry.add("acme:always", lambda ctx: iter(()), requirement="GDI-GEN-006")


def pytest_addoption(parser):
    parser.addoption("--acme-title", default="Tasks (engine test target)")
"""
    )
    # A new requirement for the whole API: an item per operation and one for the API as such,
    # which carries what the check found outside the spec's operations.
    passing = pytester.runpytest_subprocess(*gdi(without_version_header), "-k", "ACME", "-rA")
    passing.assert_outcomes(passed=len(OPERATIONS) + 1)
    passing.stdout.fnmatch_lines(["PASSED *ACME-001[[]api[]]"])
    failing = pytester.runpytest_subprocess(
        *gdi(without_version_header), "-k", "ACME", "--acme-title=Something else"
    )
    failing.assert_outcomes(passed=len(OPERATIONS), failed=1)
    failing.stdout.fnmatch_lines(["*acme:title: Unexpected title*", "FAILED *ACME-001[[]api[]]*"])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--gdi-bb", "no-such-block", "--gdi-base-url", "http://127.0.0.1:9"), "*no-such-block*"),
        (("--gdi-bb", "messaging"), "*--gdi-base-url URL is needed*"),
        (
            ("--gdi-bb", "messaging", f"--gdi-spec={SPEC}", "--gdi-base-url", "http://x"),
            "*not both*",
        ),
        (
            ("--gdi-bb", "identity", "--gdi-base-url", "http://x", "--gdi-login-driver", "nope:x"),
            "*--gdi-login-driver: login driver 'nope:x': cannot import nope*",
        ),
    ],
)
def test_bad_options_are_one_clear_usage_error(
    pytester: pytest.Pytester, arguments: tuple[str, ...], message: str
) -> None:
    result = pytester.runpytest(*arguments)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*gdi-conformance:{message}"])
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


def test_an_unreachable_target_ends_the_session_with_exit_code_2(
    pytester: pytest.Pytester,
) -> None:
    result = pytester.runpytest_subprocess(*gdi("http://127.0.0.1:9/tasks/v1"))
    assert result.ret == 2
    result.stdout.fnmatch_lines(["*gdi-conformance: the target is unreachable*"])


def test_a_bad_vendor_file_is_a_usage_error_with_its_line(pytester: pytest.Pytester) -> None:
    vendor = pytester.path / "gdi-conformance.yaml"
    vendor.write_text("identity:\n  issuer: 42\n", encoding="utf-8")
    result = pytester.runpytest("--gdi-bb", "identity", f"--gdi-config={vendor}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{vendor}:2:11: vendor file is invalid*"])


def test_the_base_url_may_come_from_the_vendor_file(pytester: pytest.Pytester) -> None:
    """No --gdi-base-url: the vendor file's (here unreachable), not a usage error."""
    vendor = pytester.path / "gdi-conformance.yaml"
    vendor.write_text("messaging:\n  base_url: http://127.0.0.1:9/messaging/v1\n", encoding="utf-8")
    result = pytester.runpytest("--gdi-bb", "messaging", f"--gdi-config={vendor}")
    assert result.ret != pytest.ExitCode.USAGE_ERROR
    assert "127.0.0.1:9" in result.stdout.str() + result.stderr.str()
