"""Run the Schemathesis CLI (``schemathesis run --checks all``, the version installed) and our
engine on the same spec, target and seed, and compare what each found.

A failure the CLI reports is a kind of defect (its failure type) on one or more operations;
our report has it on an operation when one of the checks that find that kind of defect failed
there, or failed on the API as a whole (a probe that names no operation). The CLI names no
operation for what its stateful phase finds: there, a failure of such a check anywhere counts.
``EQUIVALENT`` says which of our checks find each kind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from mutant_support import (
    ORGANISATION,
    SCOPES,
    block_process,
    crash_and_restart,
    key,
    prepare,
    run_engine,
    subjects,
)
from tasks_target import TARGET_DIR, TOKEN, credentials, serve_tasks

from conformance.client.oauth import client_credentials_token
from conformance.engine.config import RunConfig
from conformance.engine.running.runner import run
from conformance.results import Outcome, RunReport
from conformance.spec import load_spec
from conformance.spec.catalog import resolve_block
from fixtures.mutants.catalog import Mutant

HERE = Path(__file__).resolve().parent
SCHEMATHESIS = [sys.executable, "-m", "schemathesis.cli"]
RESPONSE_CONFORMANCE = {
    "api:status_code_conformance",
    "api:content_type_conformance",
    "api:response_headers_conformance",
    "api:response_schema_conformance",
    "openapi:exchange-valid",
}
# Schemathesis failure type -> the checks of ours that find that kind of defect.
EQUIVALENT: dict[str, set[str]] = {
    "ServerError": {"api:not_a_server_error"},
    "UndefinedStatusCode": RESPONSE_CONFORMANCE,
    "UndefinedContentType": RESPONSE_CONFORMANCE | {"adr:problem-details"},
    "MissingContentType": RESPONSE_CONFORMANCE | {"adr:security-headers"},
    "MalformedMediaType": RESPONSE_CONFORMANCE,
    "MissingHeaders": RESPONSE_CONFORMANCE,
    "JsonSchemaError": RESPONSE_CONFORMANCE,
    "MalformedJson": RESPONSE_CONFORMANCE,
    "ContentDeserializationError": RESPONSE_CONFORMANCE,
    "AcceptedNegativeData": {"api:negative_data_rejection", "adr:invalid-input-400"},
    "RejectedPositiveData": {"api:positive_data_acceptance", "adr:invalid-input-400"},
    "MissingHeaderNotRejected": {
        "api:missing_required_header",
        "api:ignored_auth",
        "sec:missing-token",
    },
    "UnsupportedMethodResponse": {"api:unsupported_method", "adr:http-methods-405"},
    "AllowHeaderMismatch": {"api:allow_header_conformance", "adr:http-methods-405"},
    "UseAfterFree": {"api:use_after_free"},
    "EnsureResourceAvailability": {"api:ensure_resource_availability", "api:read-after-create"},
    "IgnoredAuth": {"api:ignored_auth", "sec:missing-token"},
    "ObjectLevelAuthorizationViolation": {"api:object_level_authorization", "sec:bola"},
}


@dataclass(frozen=True, slots=True)
class Found:
    kind: str  # Schemathesis failure type, or our check id
    operations: tuple[str, ...] = ()


@dataclass(slots=True)
class Comparison:
    flaw: str
    cli: list[Found] = field(default_factory=list)
    ours: set[str] = field(default_factory=set)  # check ids that failed
    missed: list[Found] = field(default_factory=list)  # found by the CLI, not by us
    extra: set[str] = field(default_factory=set)  # failed checks of ours with no CLI finding
    cli_seconds: float = 0.0
    our_seconds: float = 0.0


def cli_failures(
    spec: Path,
    base_url: str,
    seed: int,
    max_examples: int,
    out: Path,
    headers: dict[str, str] | None = None,
) -> tuple[list[Found], float]:
    """What ``schemathesis run --checks all`` found (from its JSON report), and its time."""
    if headers is None:
        headers = {"Authorization": f"Bearer {TOKEN}"}
    command = [
        *SCHEMATHESIS,
        "run",
        str(spec),
        "--url",
        base_url,
        "--checks",
        "all",
        "--seed",
        str(seed),
        "--max-examples",
        str(max_examples),
        *[
            argument
            for name, value in headers.items()
            for argument in ("--header", f"{name}: {value}")
        ],
        "--report",
        "json",
        "--report-dir",
        str(out),
        "--no-color",
    ]
    environment = dict(os.environ)
    environment["SCHEMATHESIS_HOOKS"] = "cli_formats"
    search_path = [str(HERE), *filter(None, environment.get("PYTHONPATH", "").split(os.pathsep))]
    environment["PYTHONPATH"] = os.pathsep.join(search_path)
    started = time.monotonic()
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=1200, check=False, env=environment
    )
    seconds = time.monotonic() - started
    reports = sorted(out.glob("*.json"))
    assert reports, f"schemathesis wrote no report (exit {done.returncode}): {done.stderr[-2000:]}"
    data = json.loads(reports[-1].read_text(encoding="utf-8"))
    found = [Found(item["type"], tuple(item.get("operations") or ())) for item in data["failures"]]
    return found, seconds


def our_failures(spec: Path, base_url: str, seed: int, max_examples: int, home: Path) -> RunReport:
    return run(
        RunConfig(
            spec=load_spec(spec),
            base_url=base_url,
            subjects=credentials(),
            seed=seed,
            max_examples=max_examples,
            hypothesis_dir=home,
        )
    )


# What the CLI's JSON report gives as the operation of a failure its stateful phase found.
STATEFUL = "Stateful tests"
# Kinds about a method the spec does not declare on a path: the CLI names the method it sent
# (e.g. TRACE /tasks), ours the method it sent or a declared operation of that path; the path
# is what both mean.
BY_PATH = {"UnsupportedMethodResponse", "AllowHeaderMismatch"}


def failed_operations(report: RunReport) -> dict[str, set[str | None]]:
    """Our failed checks, each with the operations its failures name (None: the API as a
    whole); a check failed with no failure recorded under a requirement names none."""
    failed: dict[str, set[str | None]] = {
        check.id: set() for check in report.checks if check.outcome is Outcome.FAILED
    }
    for result in report.requirements:
        for item in result.failures:
            failed.setdefault(item.check, set()).add(item.operation)
    return failed


def compare(
    flaw: str, tmp_path: Path, *, seed: int = 7, max_examples: int = 5, spec: Path | None = None
) -> Comparison:
    spec = spec or TARGET_DIR / "openapi.yaml"
    comparison = Comparison(flaw)
    flaws = (flaw,) if flaw else ()
    with serve_tasks(*flaws) as (base_url, _app):
        comparison.cli, comparison.cli_seconds = cli_failures(
            spec, base_url, seed, max_examples, tmp_path / f"cli-{flaw or 'reference'}"
        )
    with serve_tasks(*flaws) as (base_url, _app):
        started = time.monotonic()
        report = our_failures(spec, base_url, seed, max_examples, tmp_path / "hypothesis")
        comparison.our_seconds = time.monotonic() - started
    judge(comparison, report)
    return comparison


def path_of(operation: str) -> str:
    """ "GET /tasks/{taskId}" -> "/tasks/{taskId}"."""
    return operation.partition(" ")[2]


def judge(comparison: Comparison, report: RunReport) -> None:
    """Which of the CLI's failures our report carries, operation by operation (``missed``:
    the kinds and operations it does not), and which of our failed checks found something the
    CLI did not (``extra``)."""
    failed = failed_operations(report)
    comparison.ours = set(failed)
    covered: set[str] = set()
    for found in comparison.cli:
        equivalent = EQUIVALENT.get(found.kind, comparison.ours)  # a kind not mapped: any
        matched = {check: failed[check] for check in equivalent if check in failed}
        if not matched:
            comparison.missed.append(found)
            continue
        covered |= set(matched)
        where = set().union(*matched.values())
        if None in where:  # failed on the API as a whole: on every operation
            continue
        if found.kind in BY_PATH:
            paths = {path_of(op) for op in where if op is not None}
            absent = tuple(op for op in found.operations if path_of(op) not in paths)
        else:
            absent = tuple(op for op in found.operations if op != STATEFUL and op not in where)
        if absent:
            comparison.missed.append(Found(found.kind, absent))
    comparison.extra = comparison.ours - covered


def compare_block(
    mutant: Mutant | None,
    block: str,
    identity_url: str,
    tmp_path: Path,
    *,
    seed: int = 7,
    max_examples: int = 2,
) -> Comparison:
    """The CLI and our run (the block's catalogue profile) over a reference block, or one of
    its mutants served through ``GDI_<BLOCK>_FACTORY``, each on a fresh instance with its own
    data, the CLI with the primary subject's bearer token. Ours may crash and restart the
    block (as ``certify --reference`` lets it), to see whether what it acknowledged lasts."""
    spec = resolve_block(block)[1]
    comparison = Comparison(mutant.name if mutant else block)
    for side in ("cli", "ours"):
        data = tmp_path / side
        data.mkdir(parents=True)
        # An identity block under test is its own token source; the others take theirs from
        # the shared reference identity block.
        source = None if block == "identity" else identity_url
        with block_process(block, data, identity_url=source, mutant=mutant) as process:
            base_url = process.base_url
            assert base_url is not None
            issuer = base_url if block == "identity" else identity_url
            if mutant is not None:
                prepare(mutant, base_url, identity_url)
            if side == "cli":
                token = client_credentials_token(
                    issuer, ORGANISATION, key(ORGANISATION), SCOPES[block]
                )
                comparison.cli, comparison.cli_seconds = cli_failures(
                    spec.path,
                    base_url,
                    seed,
                    max_examples,
                    data / "report",
                    {"Authorization": f"Bearer {token}"},
                )
                continue
            started = time.monotonic()
            report = run_engine(
                block,
                base_url,
                subjects(block, issuer),
                data,
                max_examples=max_examples,
                seed=seed,
                restart=crash_and_restart(process),
            )
            comparison.our_seconds = time.monotonic() - started
    judge(comparison, report)
    return comparison
