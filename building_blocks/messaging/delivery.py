"""The background worker that POSTs outbox events to subscribers' callback URLs.

At least once: a row leaves the outbox only after the callback answered 2xx (delivered) or gave
a final answer (failed). A timeout, a lost connection, 408, 429 or 5xx schedule another attempt
with exponential backoff. Rows the worker had in flight when the process died are still
pending on disk, so after a restart they are simply sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from dataclasses import dataclass

import httpx

from building_blocks.messaging.events import CLOUDEVENTS_JSON
from building_blocks.messaging.store import Delivery, MessageStore

_logger = logging.getLogger("building_blocks.messaging.delivery")

RETRYABLE_STATUSES = frozenset({408, 429})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base_delay: float = 1.0  # seconds before the second attempt
    max_delay: float = 300.0
    max_attempts: int = 12  # then the event is given up (state 'failed')

    def delay(self, attempts_made: int) -> float:
        """Seconds to wait after ``attempts_made`` failed attempts, with +/-20% jitter so that
        many subscribers failing at once do not all come back at the same moment."""
        exponential = self.base_delay * (2 ** max(attempts_made - 1, 0))
        return min(self.max_delay, exponential) * random.uniform(0.8, 1.2)


def is_retryable(status: int) -> bool:
    return status >= 500 or status in RETRYABLE_STATUSES


class DeliveryWorker:
    def __init__(
        self,
        store: MessageStore,
        *,
        policy: RetryPolicy | None = None,
        timeout: float = 5.0,
        concurrency: int = 8,
        idle_poll: float = 1.0,
    ) -> None:
        self.store = store
        self.policy = policy or RetryPolicy()
        self.timeout = timeout
        self.concurrency = concurrency
        self.idle_poll = idle_poll
        self._in_flight: set[int] = set()
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
                    await self._dispatch(client)
                    await self._sleep()
            finally:
                for task in list(self._tasks):
                    task.cancel()
                if self._tasks:
                    await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _dispatch(self, client: httpx.AsyncClient) -> None:
        free = self.concurrency - len(self._in_flight)
        if free <= 0:
            return
        due = await asyncio.to_thread(
            self.store.due_deliveries, time.time(), limit=free, skip=tuple(self._in_flight)
        )
        for delivery in due:
            self._in_flight.add(delivery.seq)
            task = asyncio.create_task(self._deliver(client, delivery))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _sleep(self) -> None:
        assert self._wake is not None
        timeout = self.idle_poll
        next_due = await asyncio.to_thread(self.store.next_due_at)
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
            self._in_flight.discard(delivery.seq)
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
