"""Load benchmark of the reference building blocks: concurrent clients, a realistic mix, no loss.

Each block (identity, messaging, registries) is started by the serve machinery on loopback and
driven by ``--clients`` threads (one keep-alive connection each) until ``--requests`` requests
have been sent or ``--max-seconds`` have passed. The mix includes writes:

- identity: token requests (client_credentials, private_key_jwt), introspection of issued
  tokens, revocations, JWKS and discovery;
- messaging: an organisation sends messages to a citizen (a few replays with the same
  Idempotency-Key), the citizen lists the inbox and reads messages;
- registries: person queries (by BSN, by name and birth date), birth declarations, and reads
  of the declarations made.

Afterwards every acknowledged write is looked up: every issued token introspects as active
unless it was revoked (then inactive), every acknowledged message is in the citizen's inbox
once, every declared birth can be read back and its new BSN found, all BSNs distinct. Reported
per block: requests/s, p50/p95 latency, status counts, 5xx, transport errors, lost writes.

    python benchmarks/blocks_load.py --clients 8 --requests 2000

Exit 1 if any block answered a 5xx, failed a request, or lost a write. Loopback only.
tests/building_blocks/test_blocks_load.py runs a scaled-down version as a test.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from building_blocks.common.process import start_all, stop_all
from conformance.client.identifiers import is_valid_bsn
from conformance.client.oauth import (
    JWT_BEARER,
    client_assertion,
    client_credentials_token,
    discover,
)
from conformance.client.oauth_code import citizen_token
from conformance.paths import seed_root

KEYS = seed_root() / "identity" / "keys"
ORGANISATION = "gemeente-utrecht"
PORTAL = "burger-portaal"
CITIZEN = "999993653"  # synthetic seed person: mother in births, recipient of messages
OTHER_PARENT = "999990019"


@dataclass
class Call:
    method: str
    path: str  # relative to the block's base URL, or absolute
    kind: str  # what the mix calls it, e.g. "send", "query"
    headers: dict[str, str] = field(default_factory=dict)
    json_body: Any = None
    form: dict[str, str] | None = None
    context: Any = None  # handed back to acknowledge()


class Scenario:
    """One block's request mix; subclasses say what to send and how to verify writes."""

    block = ""

    def __init__(self, base_url: str, identity_url: str) -> None:
        self.base_url = base_url
        self.identity_url = identity_url
        self.lock = threading.Lock()

    def prepare(self, http: httpx.Client) -> None:
        """Tokens and anything else needed before the load starts."""

    def next_call(self, rng: random.Random) -> Call:
        raise NotImplementedError

    def acknowledge(self, call: Call, response: httpx.Response) -> None:
        """Record a write the block acknowledged (called for 2xx answers only)."""

    def verify(self, http: httpx.Client) -> list[str]:
        """Problems found when looking up every acknowledged write (empty: none lost)."""
        return []


def _first_name(rng: random.Random) -> str:
    """A name no earlier birth of the run has (a repeated birth may rightly be refused)."""
    letters = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(10))
    return letters.capitalize()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class IdentityScenario(Scenario):
    block = "identity"

    def prepare(self, http: httpx.Client) -> None:
        self.metadata = discover(self.identity_url)
        self.key = KEYS / f"{ORGANISATION}.key.pem"
        self.issued: list[str] = []
        self.revoked: set[str] = set()

    def _authenticated(self, form: dict[str, str]) -> dict[str, str]:
        assertion = client_assertion(ORGANISATION, self.key, self.metadata.token_endpoint)
        return {**form, "client_assertion_type": JWT_BEARER, "client_assertion": assertion}

    def _some_token(self, rng: random.Random) -> str | None:
        with self.lock:
            return rng.choice(self.issued) if self.issued else None

    def next_call(self, rng: random.Random) -> Call:
        roll = rng.random()
        token = self._some_token(rng)
        endpoints = self.metadata.raw
        if roll < 0.4 or token is None:
            scope = rng.choice(["messaging:send", "registries:read", "registries:declare"])
            form = self._authenticated({"grant_type": "client_credentials", "scope": scope})
            return Call("POST", self.metadata.token_endpoint, "token", form=form)
        if roll < 0.65:
            form = self._authenticated({"token": token})
            return Call("POST", endpoints["introspection_endpoint"], "introspect", form=form)
        if roll < 0.75:
            form = self._authenticated({"token": token})
            return Call(
                "POST", endpoints["revocation_endpoint"], "revoke", form=form, context=token
            )
        if roll < 0.9:
            return Call("GET", endpoints["jwks_uri"], "jwks")
        return Call("GET", self.metadata.issuer + "/.well-known/openid-configuration", "discovery")

    def acknowledge(self, call: Call, response: httpx.Response) -> None:
        with self.lock:
            if call.kind == "token":
                self.issued.append(response.json()["access_token"])
            elif call.kind == "revoke":
                self.revoked.add(call.context)

    def verify(self, http: httpx.Client) -> list[str]:
        problems = []
        endpoint = self.metadata.raw["introspection_endpoint"]
        for token in self.issued:
            answer = http.post(endpoint, data=self._authenticated({"token": token}))
            active = answer.status_code == 200 and answer.json().get("active") is True
            if active == (token in self.revoked):
                state = "revoked" if token in self.revoked else "issued"
                problems.append(f"an {state} token introspects as active={active}")
        if len(set(self.issued)) != len(self.issued):
            problems.append("the same access token was issued twice")
        return problems


class MessagingScenario(Scenario):
    block = "messaging"

    def prepare(self, http: httpx.Client) -> None:
        key = KEYS / f"{ORGANISATION}.key.pem"
        self.sender = client_credentials_token(
            self.identity_url, ORGANISATION, key, ("messaging:send",)
        )
        portal_key = KEYS / f"{PORTAL}.key.pem"
        self.citizen = citizen_token(
            self.identity_url, PORTAL, portal_key, bsn=CITIZEN, scopes=("messaging:read",)
        )
        self.sent: dict[str, str] = {}  # Idempotency-Key -> message id
        self.bodies: dict[str, dict[str, Any]] = {}
        self.replays: list[tuple[str, str]] = []  # (key, id answered to the replay)
        # The citizen's inbox may hold messages from before; only new ones are judged.
        self.before = set(self._inbox(http))

    def _message(self, rng: random.Random) -> dict[str, Any]:
        return {
            "recipient": {"type": "bsn", "identifier": CITIZEN},
            "subject": f"Bericht {rng.randrange(10**6)}",
            "body": "Uw aanvraag is in behandeling genomen.",
        }

    def next_call(self, rng: random.Random) -> Call:
        roll = rng.random()
        with self.lock:
            keys = list(self.sent)
        if roll < 0.4 or not keys:
            key, body = str(uuid.uuid4()), self._message(rng)
            headers = {**_bearer(self.sender), "Idempotency-Key": key}
            return Call("POST", "/messages", "send", headers, body, context=(key, body))
        if roll < 0.45:
            key = rng.choice(keys)
            headers = {**_bearer(self.sender), "Idempotency-Key": key}
            body = self.bodies[key]
            return Call("POST", "/messages", "replay", headers, body, context=(key, body))
        if roll < 0.8:
            page = rng.randint(1, 3)
            return Call("GET", f"/messages?page={page}&pageSize=20", "list", _bearer(self.citizen))
        message = self.sent[rng.choice(keys)]
        return Call("GET", f"/messages/{message}", "read", _bearer(self.citizen))

    def acknowledge(self, call: Call, response: httpx.Response) -> None:
        if call.kind not in ("send", "replay"):
            return
        key, body = call.context
        with self.lock:
            if call.kind == "send":
                self.sent[key] = response.json()["id"]
                self.bodies[key] = body
            else:
                self.replays.append((key, response.json()["id"]))

    def _inbox(self, http: httpx.Client) -> list[str]:
        ids: list[str] = []
        for page in range(1, 1000):  # bounded walk
            answer = http.get(
                f"{self.base_url}/messages?page={page}&pageSize=100", headers=_bearer(self.citizen)
            )
            answer.raise_for_status()
            items = answer.json()["items"]
            ids += [item["id"] for item in items]
            if len(items) < 100:
                break
        return ids

    def verify(self, http: httpx.Client) -> list[str]:
        inbox = Counter(message for message in self._inbox(http) if message not in self.before)
        problems = [
            f"acknowledged message {message} is not in the inbox"
            for message in self.sent.values()
            if inbox[message] != 1
        ]
        problems += [
            f"a replay of key {key} answered message {answered}, not {self.sent[key]}"
            for key, answered in self.replays
            if self.sent.get(key) != answered
        ]
        extra = set(inbox) - set(self.sent.values())
        if extra:
            problems.append(f"{len(extra)} message(s) in the inbox that no send acknowledged")
        return problems


class RegistriesScenario(Scenario):
    block = "registries"

    def prepare(self, http: httpx.Client) -> None:
        key = KEYS / f"{ORGANISATION}.key.pem"
        # Searching by name needs registries:search and a purpose (doelbinding) too.
        scopes = (
            "registries:read",
            "registries:declare",
            "registries:search",
            "doelbinding:burgerzaken",
        )
        token = client_credentials_token(self.identity_url, ORGANISATION, key, scopes)
        self.headers = _bearer(token)
        self.births: list[tuple[str, str]] = []  # (Location, new BSN)

    def next_call(self, rng: random.Random) -> Call:
        roll = rng.random()
        with self.lock:
            births = list(self.births)
        if roll < 0.3:
            body = {
                "naam": {"voornamen": _first_name(rng), "geslachtsnaam": "Jansen"},
                "geslacht": rng.choice(["V", "M"]),
                "geboorte": {"datum": "2024-03-01", "plaats": "Utrecht"},
                "moeder": {"burgerservicenummer": CITIZEN},
                "andereOuder": {"burgerservicenummer": OTHER_PARENT},
            }
            return Call("POST", "/geboorteaangiften", "declare-birth", self.headers, body)
        if roll < 0.4 and births:
            location, _ = rng.choice(births)
            return Call("GET", location, "read-declaration", self.headers)
        if roll < 0.55 and births:
            numbers = [bsn for _, bsn in rng.sample(births, min(3, len(births)))]
            return Call(
                "POST",
                "/personen?page=1&pageSize=20",
                "query-newborn",
                self.headers,
                self._by_bsn(numbers),
            )
        if roll < 0.8:
            body = self._by_bsn([CITIZEN, OTHER_PARENT])
            return Call("POST", "/personen?page=1&pageSize=20", "query-bsn", self.headers, body)
        body = {
            "type": "ZoekMetGeslachtsnaamEnGeboortedatum",
            "geslachtsnaam": "Jansen",
            "geboortedatum": "2024-03-01",
            "fields": ["burgerservicenummer", "naam"],
        }
        return Call("POST", "/personen?page=1&pageSize=20", "query-name", self.headers, body)

    @staticmethod
    def _by_bsn(numbers: Sequence[str]) -> dict[str, Any]:
        return {
            "type": "RaadpleegMetBurgerservicenummer",
            "burgerservicenummer": list(numbers),
            "fields": ["burgerservicenummer", "naam"],
        }

    def acknowledge(self, call: Call, response: httpx.Response) -> None:
        if call.kind == "declare-birth":
            with self.lock:
                self.births.append(
                    (response.headers["location"], response.json()["burgerservicenummer"])
                )

    def verify(self, http: httpx.Client) -> list[str]:
        problems = []
        numbers = [bsn for _, bsn in self.births]
        if len(set(numbers)) != len(numbers):
            problems.append("the same BSN was allocated to two births")
        problems += [
            f"allocated BSN {n} fails the 11-proef" for n in numbers if not is_valid_bsn(n)
        ]
        for location, _ in self.births:
            answer = http.get(self._url(location), headers=self.headers)
            if answer.status_code != 200:
                problems.append(f"declaration {location} answers {answer.status_code}")
        for start in range(0, len(numbers), 20):
            batch = numbers[start : start + 20]
            answer = http.post(
                f"{self.base_url}/personen?page=1&pageSize=20",
                headers=self.headers,
                json=self._by_bsn(batch),
            )
            found = {person["burgerservicenummer"] for person in answer.json().get("personen", [])}
            problems += [f"newborn {bsn} cannot be found" for bsn in batch if bsn not in found]
        return problems

    def _url(self, location: str) -> str:
        if location.startswith("http"):
            return location
        origin = httpx.URL(self.base_url)
        return f"{origin.scheme}://{origin.host}:{origin.port}{location}"


SCENARIOS: dict[str, Callable[[str, str], Scenario]] = {
    "identity": IdentityScenario,
    "messaging": MessagingScenario,
    "registries": RegistriesScenario,
}


@dataclass
class LoadResult:
    block: str
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: Counter[int]
    kinds: Counter[str]
    transport_errors: list[str]
    lost_writes: list[str]
    writes: int

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    @property
    def ok(self) -> bool:
        return not self.server_errors and not self.transport_errors and not self.lost_writes


WRITE_KINDS = frozenset({"token", "revoke", "send", "replay", "declare-birth"})


def drive(
    scenario: Scenario, *, clients: int, requests: int, max_seconds: float, seed: int = 1
) -> LoadResult:
    """Send ``requests`` requests from ``clients`` threads (bounded by ``max_seconds``)."""
    numbers = itertools.count()
    guard = threading.Lock()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    kinds: Counter[str] = Counter()
    errors: list[str] = []
    deadline = time.monotonic() + max_seconds

    def client(index: int) -> None:
        rng = random.Random(f"{seed}-{scenario.block}-{index}")
        with httpx.Client(base_url=scenario.base_url, timeout=30, trust_env=False) as http:
            while time.monotonic() < deadline:
                with guard:
                    number = next(numbers)
                if number >= requests:
                    return
                call = scenario.next_call(rng)
                started = time.perf_counter()
                try:
                    response = http.request(
                        call.method,
                        call.path,
                        headers=call.headers,
                        json=call.json_body,
                        data=call.form,
                    )
                except httpx.HTTPError as exc:
                    with guard:
                        errors.append(f"{call.kind}: {type(exc).__name__}: {exc}")
                    continue
                elapsed = (time.perf_counter() - started) * 1000
                with guard:
                    latencies.append(elapsed)
                    statuses[response.status_code] += 1
                    kinds[call.kind] += 1
                if 200 <= response.status_code < 300:
                    scenario.acknowledge(call, response)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    with httpx.Client(timeout=30, trust_env=False) as http:
        lost = scenario.verify(http)
    return LoadResult(
        block=scenario.block,
        requests=len(latencies) + len(errors),
        seconds=seconds,
        latencies_ms=latencies,
        statuses=statuses,
        kinds=kinds,
        transport_errors=errors,
        lost_writes=lost,
        writes=sum(count for kind, count in kinds.items() if kind in WRITE_KINDS),
    )


def load_blocks(
    data_dir: Path,
    blocks: Sequence[str],
    *,
    clients: int,
    requests: int,
    max_seconds: float,
) -> list[LoadResult]:
    """Start identity and ``blocks``, load each block in turn, stop them all."""
    needed = ("identity", *[block for block in blocks if block != "identity"])
    processes = start_all(data_dir=data_dir, blocks=needed, enable_test_login=True)
    try:
        identity_url = processes["identity"].base_url
        assert identity_url is not None
        results = []
        for block in blocks:
            base_url = processes[block].base_url
            assert base_url is not None
            scenario = SCENARIOS[block](base_url, identity_url)
            with httpx.Client(timeout=30, trust_env=False) as http:
                scenario.prepare(http)
            results.append(
                drive(scenario, clients=clients, requests=requests, max_seconds=max_seconds)
            )
        return results
    finally:
        stop_all(processes)


def print_result(result: LoadResult) -> None:
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(result.statuses.items()))
    print(f"== {result.block}")
    print(f"  {result.requests} requests in {result.seconds:.1f} s: {result.rate:.0f} requests/s")
    print(
        f"  latency p50 {statistics.median(result.latencies_ms):.1f} ms, "
        f"p95 {result.percentile(0.95):.1f} ms"
    )
    print(f"  mix: {dict(result.kinds)}")
    print(f"  statuses: {statuses}; 5xx: {result.server_errors}")
    print(
        f"  transport errors: {len(result.transport_errors)}; writes acknowledged: {result.writes}"
    )
    print(f"  lost writes: {len(result.lost_writes)}")
    for problem in (result.transport_errors + result.lost_writes)[:5]:
        print(f"    {problem}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--block", action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=2000, help="per block")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="per block")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gdi-load-") as temporary:
        results = load_blocks(
            Path(temporary),
            args.block or ["identity", "messaging", "registries"],
            clients=args.clients,
            requests=args.requests,
            max_seconds=args.max_seconds,
        )
    for result in results:
        print_result(result)
    print(
        json.dumps(
            {
                r.block: {
                    "rps": round(r.rate, 1),
                    "p95_ms": round(r.percentile(0.95), 1),
                    "ok": r.ok,
                }
                for r in results
            }
        )
    )
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
