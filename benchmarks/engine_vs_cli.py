"""Benchmark: ``gdi-conformance run`` against the Schemathesis CLI and a plain request loop.

On the same target in the same run:

- ours: ``python -m conformance run`` (the generic profile: Schemathesis's phases and checks plus
  our ADR checks and probes);
- cli: ``schemathesis run`` with the same spec, seed, ``--max-examples``, phases and checks
  (``--checks all``), one worker, no example database, no redirects followed;
- loop: one httpx client sending valid requests back to back: what the server can answer for a
  sequential client, the ceiling for both tools.

Requests are counted by the target itself (``bench_targets.Counted``), so every tool is measured
by the same yardstick; each tool's own count of generated cases is shown too. The tools run
interleaved, ``--repeat`` times; the median is reported, as the machine may be shared. CPU is the
user+system time of the tool's process.

``--defects`` also runs both tools on mutants of the tasks target (one flaw each) and counts the
flaws each tool detects: a flaw counts when the tool reports a failure kind on the mutant that it
does not report on the reference target.

``--processes 2`` also runs ours with ``--workers 2`` (two shard processes, merged; repeat the
option for several counts), and
``--threads 2`` both tools with two worker threads in one process, to show which kind of
parallelism pays off on this machine and target.

    python benchmarks/engine_vs_cli.py --target tasks --target registries --max-examples 50 \\
        --repeat 3 --defects --processes 2 --threads 2

A measurement, not a test. Loopback only; every loop is bounded in count.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from bench_targets import COUNT_PATH  # noqa: E402

from conformance.paths import seed_root, specs_root  # noqa: E402
from conformance.spec import load_spec  # noqa: E402

TASKS_SPEC = BENCH_DIR.parent / "fixtures" / "targets" / "tasks" / "openapi.yaml"
TASKS_TOKEN = "token-bench"
PHASES = "examples,coverage,fuzzing,stateful"
# Flaws of the tasks target used as mutants (each breaks one rule).
MUTANT_FLAWS = (
    "stack-trace",
    "schema-violation",
    "status-422",
    "plain-errors",
    "missing-version-header",
    "naive-date-time",
    "no-security-headers",
    "wrong-allow",
    "trailing-slash-redirect",
    "unpublished-openapi",
    "ignores-auth",
    "bsn-in-location",
    "ignores-page-size",
    "echo-secrets",
)


@dataclass
class Target:
    name: str
    base_url: str
    headers: dict[str, str]
    ours_spec: Path  # what ours reads
    cli_spec: Path  # what the CLI reads (the same document)
    loop_requests: list[tuple[str, str, bytes | None]]
    stop: Callable[[], None]

    @property
    def origin(self) -> str:
        parts = httpx.URL(self.base_url)
        return f"{parts.scheme}://{parts.host}:{parts.port}"


@dataclass
class Measure:
    tool: str
    wall_s: float
    cpu_s: float
    requests: int
    cases: int
    signatures: set[str] = field(default_factory=set)

    @property
    def rate(self) -> float:
        return self.requests / self.wall_s if self.wall_s else 0.0


def served_requests(target: Target) -> int:
    return int(httpx.get(target.origin + COUNT_PATH, timeout=10).json()["requests"])


def _stop_process(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def start_tasks(flaws: tuple[str, ...] = (), tasks: int = 20, latency_ms: float = 0) -> Target:
    command = [sys.executable, str(BENCH_DIR / "bench_targets.py"), "tasks", "--tasks", str(tasks)]
    command += ["--latency-ms", str(latency_ms)]
    if flaws:
        command += ["--flaws", ",".join(flaws)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    base_url = process.stdout.readline().strip()
    if not base_url:
        _stop_process(process)
        raise RuntimeError("the tasks target did not start")
    body = json.dumps({"title": "Benchmark task"}).encode()
    return Target(
        name="tasks"
        + (f" ({'+'.join(flaws)})" if flaws else "")
        + (f" ({latency_ms:g} ms latency)" if latency_ms else ""),
        base_url=base_url,
        headers={"Authorization": f"Bearer {TASKS_TOKEN}"},
        ours_spec=TASKS_SPEC,
        cli_spec=TASKS_SPEC,
        loop_requests=[
            ("GET", "/tasks?page=1&pageSize=20", None),
            ("POST", "/tasks", body),
            ("GET", "/tasks/1", None),
            ("GET", "/tasks?page=2&pageSize=5", None),
        ],
        stop=lambda: _stop_process(process),
    )


def start_registries(workdir: Path) -> Target:
    from building_blocks.common.process import start_all, stop_all
    from conformance.client.credentials import IdentityClient

    os.environ["GDI_REGISTRIES_FACTORY"] = "bench_targets:counted_registries"
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(BENCH_DIR), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    processes = start_all(data_dir=workdir / "data", blocks=("identity", "registries"))
    identity_url = processes["identity"].base_url
    assert identity_url is not None
    client = IdentityClient(
        identity_url,
        "gemeente-utrecht",
        seed_root() / "identity" / "keys" / "gemeente-utrecht.key.pem",
        ("registries:read", "registries:declare"),
    )
    spec = load_spec(specs_root() / "registries" / "v1" / "openapi.yaml")
    bundled = workdir / "registries-openapi.json"
    bundled.write_text(json.dumps(spec.bundled), encoding="utf-8")
    examples = spec.bundled["paths"]["/personen"]["post"]["requestBody"]["content"][
        "application/json"
    ]["examples"]
    bodies = [json.dumps(example["value"]).encode() for example in examples.values()]
    base_url = processes["registries"].base_url
    assert base_url is not None
    return Target(
        name="registries (reference block)",
        base_url=base_url,
        headers=client.headers(),
        ours_spec=bundled,
        cli_spec=bundled,
        loop_requests=[("POST", "/personen?page=1&pageSize=20", body) for body in bodies],
        stop=lambda: stop_all(processes),
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(commands: list[list[str]], workdir: Path) -> tuple[float, float]:
    """Run the commands at once; (wall seconds, CPU seconds of them all).

    Every tool runs in the same working directory, so caches that a tool keeps there (the
    Schemathesis CLI's .hypothesis) are warm after the warm-up, as ours are in the user cache.
    """
    cwd = workdir.parent / "cwd"  # every step directory sits in the benchmark's directory
    cwd.mkdir(exist_ok=True)
    cpu, started = _children_cpu(), time.perf_counter()
    env = {**os.environ, "NO_COLOR": "1"}
    running = [
        subprocess.Popen(c, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        for c in commands
    ]
    for process in running:
        process.wait()
    return time.perf_counter() - started, _children_cpu() - cpu


def _header_args(flag: str, headers: dict[str, str]) -> list[str]:
    return [item for name, value in headers.items() for item in (flag, f"{name}: {value}")]


def run_ours(
    target: Target, seed: int, examples: int, workdir: Path, processes: int = 1, threads: int = 1
) -> Measure:
    """``processes`` > 1: ``--workers N`` (N shard processes, merged); ``threads`` > 1:
    ``--threads N`` (N Schemathesis threads in one process)."""
    report = workdir / f"ours-{processes}-{threads}"
    command = [sys.executable, "-m", "conformance", "run", "--spec", str(target.ours_spec)]
    command += ["--base-url", target.base_url, *_header_args("--header", target.headers)]
    command += ["--seed", str(seed), "--max-examples", str(examples)]
    command += ["--report-dir", str(report)]
    if processes > 1:
        command += ["--workers", str(processes)]
    if threads > 1:
        command += ["--threads", str(threads)]
    before = served_requests(target)
    wall, cpu = _timed([command], workdir)
    name = "ours" + (f" {processes} processes" if processes > 1 else "")
    name += f" {threads} threads" if threads > 1 else ""
    data = json.loads((report / "report.json").read_text(encoding="utf-8"))
    return Measure(
        name,
        wall,
        cpu,
        served_requests(target) - before,
        data["summary"]["cases"],
        {check["id"] for check in data["checks"] if check["failures"]},
    )


def run_cli(target: Target, seed: int, examples: int, workdir: Path, threads: int = 1) -> Measure:
    report_dir = workdir / "cli"
    command = [sys.executable, "-m", "schemathesis.cli", "run", str(target.cli_spec)]
    command += ["--url", target.base_url, *_header_args("-H", target.headers)]
    command += ["--seed", str(seed), "--max-examples", str(examples), "--phases", PHASES]
    command += ["--checks", "all", "--mode", "all", "--workers", str(threads)]
    command += ["--generation-database", "none", "--continue-on-failure", "--max-redirects", "0"]
    command += ["--suppress-health-check", "all", "--request-timeout", "10"]
    command += ["--report", "json", "--report-json-path", str(report_dir / "run.json")]
    before = served_requests(target)
    wall, cpu = _timed([command], workdir)
    data = json.loads((report_dir / "run.json").read_text(encoding="utf-8"))
    return Measure(
        "schemathesis cli" + (f" {threads} threads" if threads > 1 else ""),
        wall,
        cpu,
        served_requests(target) - before,
        data["test_cases"]["generated"],
        {failure["title"] for failure in data["failures"]},
    )


def run_loop(target: Target, count: int) -> Measure:
    """Valid requests back to back on one keep-alive connection: the server's capacity."""
    before = served_requests(target)
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    with httpx.Client(base_url=target.base_url, headers=target.headers, timeout=10) as client:
        for number in range(count):
            method, path, body = target.loop_requests[number % len(target.loop_requests)]
            headers = {"Content-Type": "application/json"} if body else {}
            client.request(method, path, content=body, headers=headers)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    used = after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime
    return Measure("plain loop", wall, used, served_requests(target) - before, count)


def _median(measures: list[Measure]) -> Measure:
    ordered = sorted(measures, key=lambda item: item.rate)
    middle = ordered[len(ordered) // 2]
    middle.cpu_s = statistics.median(item.cpu_s for item in measures)
    return middle


def compare(target: Target, args: argparse.Namespace, workdir: Path) -> dict[str, Measure]:
    warm_up = workdir / f"{target.name.split()[0]}-warm-up"
    warm_up.mkdir(parents=True)
    run_ours(target, args.seed, args.max_examples, warm_up)
    run_cli(target, args.seed, args.max_examples, warm_up)
    runs: dict[str, list[Measure]] = {}
    for repeat in range(args.repeat):
        step = workdir / f"{target.name.split()[0]}-{repeat}"
        step.mkdir(parents=True)
        results = [
            run_loop(target, args.loop_requests),
            run_ours(target, args.seed, args.max_examples, step),
            run_cli(target, args.seed, args.max_examples, step),
        ]
        for processes in sorted(set(args.processes or [])):
            if processes > 1:
                results.append(run_ours(target, args.seed, args.max_examples, step, processes))
        if args.threads > 1:
            results.append(
                run_ours(target, args.seed, args.max_examples, step, threads=args.threads)
            )
            results.append(run_cli(target, args.seed, args.max_examples, step, args.threads))
        for measure in results:
            runs.setdefault(measure.tool, []).append(measure)
    return {tool: _median(measures) for tool, measures in runs.items()}


def print_comparison(target: Target, medians: dict[str, Measure], repeat: int) -> None:
    print(f"\n== {target.name}: median of {repeat} interleaved runs")
    print(f"{'tool':<20}{'requests':>10}{'cases':>8}{'wall s':>9}{'req/s':>9}{'CPU s':>8}")
    for measure in medians.values():
        print(
            f"{measure.tool:<20}{measure.requests:>10}{measure.cases:>8}"
            f"{measure.wall_s:>9.2f}{measure.rate:>9.1f}{measure.cpu_s:>8.2f}"
        )
    ours, cli, loop = medians["ours"], medians["schemathesis cli"], medians["plain loop"]
    print(f"ours / cli  (requests per second): {ours.rate / cli.rate:.2f}x")
    print(f"ours / loop (share of capacity):   {ours.rate / loop.rate:.2f}")
    print(f"cli / loop  (share of capacity):   {cli.rate / loop.rate:.2f}")
    per_case = (ours.cpu_s / max(ours.requests, 1)) / (cli.cpu_s / max(cli.requests, 1))
    print(f"ours / cli  (CPU per request):     {per_case:.2f}")
    for tool, measure in medians.items():
        if tool.startswith("ours ") or tool.startswith("schemathesis cli "):
            print(f"{tool}: {measure.rate / cli.rate:.2f}x the cli's requests/s (1 thread)")


def count_defects(args: argparse.Namespace, workdir: Path) -> None:
    seed, examples = args.seed, args.defect_examples
    reference = start_tasks()
    try:
        base = workdir / "defects-reference"
        base.mkdir(parents=True)
        clean = {
            "ours": run_ours(reference, seed, examples, base).signatures,
            "cli": run_cli(reference, seed, examples, base).signatures,
        }
    finally:
        reference.stop()
    found: dict[str, list[str]] = {"ours": [], "cli": []}
    print(
        f"\n== defects: {len(MUTANT_FLAWS)} mutants of the tasks target, --max-examples {examples}"
    )
    print(f"reference target: ours reports {sorted(clean['ours'])}, cli {sorted(clean['cli'])}")
    for flaw in MUTANT_FLAWS:
        mutant = start_tasks((flaw,))
        try:
            step = workdir / f"defects-{flaw}"
            step.mkdir(parents=True)
            new = {
                "ours": run_ours(mutant, seed, examples, step).signatures - clean["ours"],
                "cli": run_cli(mutant, seed, examples, step).signatures - clean["cli"],
            }
        finally:
            mutant.stop()
        for tool, signatures in new.items():
            if signatures:
                found[tool].append(flaw)
        print(f"{flaw:<26} ours: {sorted(new['ours']) or '-'}   cli: {sorted(new['cli']) or '-'}")
    total = len(MUTANT_FLAWS)
    print(f"flaws detected: ours {len(found['ours'])}/{total}, cli {len(found['cli'])}/{total}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", action="append", choices=["tasks", "registries"])
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="the tasks target waits this long before each answer (a network and a database)",
    )
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--loop-requests", type=int, default=2000)
    parser.add_argument(
        "--processes",
        type=int,
        action="append",
        help="also run ours with --workers N (processes); may be repeated",
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="also run ours and the cli with N worker threads"
    )
    parser.add_argument("--defects", action="store_true", help="count flaws found on mutants")
    parser.add_argument("--defect-examples", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gdi-bench-") as temporary:
        workdir = Path(temporary)
        for name in args.target or ["tasks"]:
            if name == "tasks":
                target = start_tasks(latency_ms=args.latency_ms)
            else:
                target = start_registries(workdir / "blocks")
            try:
                medians = compare(target, args, workdir)
            finally:
                target.stop()
            print_comparison(target, medians, args.repeat)
        if args.defects:
            count_defects(args, workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
