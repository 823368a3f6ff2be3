"""The background worker that POSTs outbox events to subscribers' callback URLs.

At least once: a row leaves the outbox only after the callback answered 2xx (delivered) or gave
a final answer (failed). A timeout, a lost connection, 408, 429 or 5xx schedule another attempt
with exponential backoff. Rows the worker had in flight when the process died are still
pending on disk, so after a restart they are simply sent again.

Fairness: a receiver that hangs costs a slot for the whole timeout. So that unreachable
subscribers cannot hold up a live one, first attempts are taken before retries and always have
at least half of the slots to themselves, and no callback host (scheme, host and port) gets
more than a quarter of the slots. Rows held back by these limits stay pending and are taken as
soon as a slot frees up.

Retention: every ``cleanup_interval`` seconds the worker deletes outbox rows that were
delivered or given up more than ``outbox_retention`` seconds ago, and expired idempotency keys.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from building_blocks.messaging.events import CLOUDEVENTS_JSON
from building_blocks.messaging.store import Delivery, MessageStore

_logger = logging.getLogger("building_blocks.messaging.delivery")

RETRYABLE_STATUSES = frozenset({408, 429})
OUTBOX_RETENTION = 7 * 24 * 3600.0  # finished rows are kept this long (for inspection)
CLEANUP_INTERVAL = 600.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base_delay: float = 1.0  # seconds before the second attempt
    max_delay: float = 300.0
    max_attempts: int = 12  # then the event is given up (state 'failed')

    def delay(self, attempts_made: int) -> float:
        """Seconds to wait after ``attempts_made`` failed attempts, with +/-20% jitter so that
        many subscribers failing at once do not all come back at the same moment."""
        exponential: float = self.base_delay * (2 ** max(attempts_made - 1, 0))
        return min(self.max_delay, exponential) * random.uniform(0.8, 1.2)


def is_retryable(status: int) -> bool:
    return status >= 500 or status in RETRYABLE_STATUSES


def callback_host(url: str) -> str:
    """What the per-host limit counts: scheme, host and port of the callback URL."""
    try:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.hostname}:{parts.port}".lower()
    except ValueError:  # an unusable URL fails at once; it can share a bucket with its kind
        return "unusable"


@dataclass(frozen=True, slots=True)
class Slots:
    """How the worker's concurrent deliveries are shared out."""

    total: int
    retries: int  # at most this many retries at once; the rest is kept for first attempts
    per_host: int  # at most this many deliveries to one callback host at once

    @classmethod
    def for_concurrency(cls, concurrency: int) -> Slots:
        total = max(concurrency, 1)
        return cls(total=total, retries=total // 2, per_host=max(total // 4, 1))


class DeliveryWorker:
    def __init__(
        self,
        store: MessageStore,
        *,
        policy: RetryPolicy | None = None,
        timeout: float = 5.0,
        concurrency: int = 8,
        idle_poll: float = 1.0,
        outbox_retention: float = OUTBOX_RETENTION,
        cleanup_interval: float = CLEANUP_INTERVAL,
    ) -> None:
        self.store = store
        self.policy = policy or RetryPolicy()
        self.timeout = timeout
        self.slots = Slots.for_concurrency(concurrency)
        self.concurrency = self.slots.total
        self.idle_poll = idle_poll
        self.outbox_retention = outbox_retention
        self.cleanup_interval = cleanup_interval
        self._next_cleanup = 0.0  # the first clean-up runs at start
        self._in_flight: dict[int, Delivery] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """Look at the outbox now (new events were committed). Safe from any thread."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        limits = httpx.Limits(max_connections=self.concurrency)
        # trust_env=False: a proxy from the environment must not see (or break) the callbacks.
        async with httpx.AsyncClient(
            timeout=self.timeout, limits=limits, follow_redirects=False, trust_env=False
        ) as client:
            try:
                while True:
                    await self._clean_up_when_due()
                    checked_at = time.time()
                    await self._dispatch(client, checked_at)
                    await self._sleep(checked_at)
            finally:
                for task in list(self._tasks):
                    task.cancel()
                if self._tasks:
                    await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _clean_up_when_due(self) -> None:
        now = time.time()
        if now < self._next_cleanup:
            return
        self._next_cleanup = now + self.cleanup_interval
        try:
            purged = await asyncio.to_thread(
                self.store.purge, now, outbox_retention=self.outbox_retention
            )
        except Exception:  # a failed clean-up is tried again next interval; delivery goes on
            _logger.exception("cleaning up the outbox failed")
            return
        if purged.outbox_rows or purged.idempotency_keys:
            _logger.info(
                "deleted %d finished outbox rows and %d expired idempotency keys",
                purged.outbox_rows,
                purged.idempotency_keys,
            )

    async def _dispatch(self, client: httpx.AsyncClient, now: float) -> None:
        free = self.slots.total - len(self._in_flight)
        if free <= 0:
            return
        # More candidates than free slots: some may be held back by the limits below.
        due = await asyncio.to_thread(
            self.store.due_deliveries,
            now,
            limit=free + 4 * self.slots.total,
            skip=tuple(self._in_flight),
        )
        for delivery in self.admissible(due):
            self._in_flight[delivery.seq] = delivery
            task = asyncio.create_task(self._deliver(client, delivery))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def admissible(self, due: list[Delivery]) -> list[Delivery]:
        """The deliveries of ``due`` (in order) that fit the free slots and the limits."""
        in_flight = list(self._in_flight.values())
        per_host = Counter(callback_host(item.callback_url) for item in in_flight)
        retries = sum(1 for item in in_flight if item.attempts > 0)
        free = self.slots.total - len(in_flight)
        chosen: list[Delivery] = []
        for delivery in due:
            if len(chosen) >= free:
                break
            host = callback_host(delivery.callback_url)
            if per_host[host] >= self.slots.per_host:
                continue
            if delivery.attempts > 0:
                if retries >= self.slots.retries:
                    continue
                retries += 1
            per_host[host] += 1
            chosen.append(delivery)
        return chosen

    async def _sleep(self, checked_at: float) -> None:
        """Wait for new events, a slot to free up, or the next row to fall due. Rows that were
        already due at ``checked_at`` but held back need no timer: they wait for a slot, and
        every finished delivery wakes the worker."""
        assert self._wake is not None
        timeout = min(self.idle_poll, max(self._next_cleanup - time.time(), 0.01))
        next_due = await asyncio.to_thread(self.store.next_due_at, checked_at)
        if next_due is not None:
            timeout = min(timeout, max(next_due - time.time(), 0.01))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)
        self._wake.clear()

    async def _deliver(self, client: httpx.AsyncClient, delivery: Delivery) -> None:
        try:
            error = await self._post(client, delivery)
            if error is None:
                await asyncio.to_thread(self.store.mark_delivered, delivery.seq)
            else:
                await self._after_failure(delivery, *error)
        except Exception:  # the worker must outlive any one delivery
            _logger.exception("delivering event %s failed unexpectedly", delivery.event_id)
        finally:
            self._in_flight.pop(delivery.seq, None)
            if self._wake is not None:
                self._wake.set()

    async def _post(self, client: httpx.AsyncClient, delivery: Delivery) -> tuple[str, bool] | None:
        """``None`` when delivered, else (what went wrong, whether to try again)."""
        try:
            response = await client.post(
                delivery.callback_url,
                content=delivery.payload.encode("utf-8"),
                headers={"Content-Type": CLOUDEVENTS_JSON},
            )
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}", True
        except ValueError as exc:  # a URL httpx cannot use; trying again will not help
            return f"unusable callback URL: {type(exc).__name__}", False
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}", is_retryable(response.status_code)

    async def _after_failure(self, delivery: Delivery, error: str, retry: bool) -> None:
        attempts_made = delivery.attempts + 1
        if retry and attempts_made < self.policy.max_attempts:
            next_at = time.time() + self.policy.delay(attempts_made)
            await asyncio.to_thread(
                self.store.mark_retry, delivery.seq, next_attempt_at=next_at, error=error
            )
        else:
            await asyncio.to_thread(self.store.mark_failed, delivery.seq, error=error)
