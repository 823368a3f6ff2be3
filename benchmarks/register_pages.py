"""Benchmark: the register's page load times with 10,000 published runs.

Publishes ``--runs`` signed runs (default 10,000) through the register's own publication path
(certificate verified, report validated and matched to its digest, stored) over ``--products``
products of ``--vendors`` vendors and three blocks, then serves the register under uvicorn on
loopback and times, over real HTTP, the overview page, a product page (every run of one
product) and their JSON counterparts. The peer, measured in the same run, is the register's
stylesheet (a request that touches no database): the ratios say what the pages cost beyond
serving any request at all.

    python benchmarks/register_pages.py [--runs 10000] [--repeat 20] [--database URL]

Goal: overview and product page under 200 ms each on SQLite at 10,000 runs.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support.sample_reports import make_report

from conformance.register import access, clock
from conformance.register.app import create_app
from conformance.register.database import database_url, open_database
from conformance.register.publication import publish
from conformance.reports.certificate import build_payload, sign_certificate
from conformance.reports.certification import certify
from conformance.reports.signing import public_pem
from conformance.results import Outcome, ProductInfo
from conformance.results.io import report_to_json

BLOCKS = ("identity", "messaging", "registries")
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
PATTERNS = ((), ("GDI-MSG-010",), ("GDI-MSG-001",))


def seed(engine: object, runs: int, products: int, vendors: int) -> tuple[float, str]:
    """Publish ``runs`` runs; returns the seconds it took and one product's path."""
    key = Ed25519PrivateKey.generate()
    with engine.begin() as connection:  # type: ignore[attr-defined]
        pem = public_pem(key.public_key()).decode()
        access.add_key(connection, pem, label="bench", kind="authority", vendor=None)
    admin = access.Caller(role=access.ADMIN)
    reports: dict[tuple[int, str, int], tuple[object, dict[str, object], object]] = {}
    started = time.perf_counter()
    for index in range(runs):
        product = index % products
        block = BLOCKS[(index // products) % len(BLOCKS)]
        pattern = (index // (products * len(BLOCKS))) % len(PATTERNS)
        cache_key = (product, block, pattern)
        if cache_key not in reports:
            report = make_report(
                {ident: Outcome.FAILED for ident in PATTERNS[pattern]},
                product=ProductInfo(f"Vendor {product % vendors}", f"Product {product}", "1.0.0"),
                run_id=f"00000000-0000-4000-8000-{len(reports):012d}",
            )
            report.profile.name = block
            reports[cache_key] = (report, json.loads(report_to_json(report)), certify(report))
        report, document, certification = reports[cache_key]
        issued = clock.iso(START + dt.timedelta(minutes=index))
        payload = build_payload(report, certification, issued_at=issued)  # type: ignore[arg-type]
        publish(engine, sign_certificate(payload, key), document, admin)  # type: ignore[arg-type]
    return time.perf_counter() - started, "/products/vendor-0/product-0"


def serve(app: object) -> tuple[uvicorn.Server, threading.Thread, str]:
    import socket

    sock = socket.create_server(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", access_log=False)  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    return server, thread, f"http://127.0.0.1:{sock.getsockname()[1]}"


def timed(client: httpx.Client, path: str, repeat: int) -> list[float]:
    answer = client.get(path)  # warm-up, and a check that the page is there
    assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(path).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return times


def timed_in_process(app: object, path: str, repeat: int) -> list[float]:
    """The same request through the ASGI app without a socket: what the register itself spends."""

    async def measure() -> list[float]:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://register") as client:
            (await client.get(path)).raise_for_status()
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                (await client.get(path)).raise_for_status()
                times.append((time.perf_counter() - started) * 1000)
            return times

    return asyncio.run(measure())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--vendors", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database", help="default: SQLite in a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = open_database(database_url(args.database, Path(folder)))
        seconds, product = seed(engine, args.runs, args.products, args.vendors)
        print(f"published {args.runs} runs in {seconds:.1f} s ({args.runs / seconds:.0f}/s)")
        app = create_app(engine)
        server, thread, origin = serve(app)
        try:
            with httpx.Client(base_url=origin, timeout=60) as client:
                rows = [
                    ("stylesheet (peer)", "/static/register.css"),
                    ("overview page", "/"),
                    ("product page", product),
                    ("overview JSON", "/api/v1/overview"),
                    ("product JSON", "/api/v1" + product),
                ]
                peer = peer_inside = None
                print(
                    f"{'request':<20}{'HTTP median ms':>15}{'p95 ms':>8}{'x peer':>8}"
                    f"{'in-process ms':>15}{'x peer':>8}"
                )
                for name, path in rows:
                    times = sorted(timed(client, path, args.repeat))
                    median = statistics.median(times)
                    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
                    inside = statistics.median(timed_in_process(app, path, args.repeat))
                    peer = peer or median
                    peer_inside = peer_inside or inside
                    print(
                        f"{name:<20}{median:>15.1f}{p95:>8.1f}{median / peer:>8.1f}"
                        f"{inside:>15.1f}{inside / peer_inside:>8.1f}"
                    )
        finally:
            server.should_exit = True
            thread.join(10)
            engine.dispose()


if __name__ == "__main__":
    main()
