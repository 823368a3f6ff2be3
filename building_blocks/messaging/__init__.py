"""Reference implementation of the messaging building block (Berichtenbox-style).

``create_app(settings)`` is what ``gdi-conformance serve messaging`` runs. Access tokens are
verified against the identity block at ``settings.identity_url`` (audience
``urn:nld:gdi:messaging``); data lives in ``settings.data_dir/messaging.sqlite3``.

Tunable through the environment (all optional):

- ``GDI_MESSAGING_OIN``: the OIN of the organisation operating this service, used in the
  CloudEvents ``source`` (``urn:nld:oin:<OIN>:systeem:berichtenbox``);
- ``GDI_MESSAGING_RETRY_BASE``, ``GDI_MESSAGING_RETRY_MAX`` (seconds) and
  ``GDI_MESSAGING_MAX_ATTEMPTS``: the backoff of event delivery;
- ``GDI_MESSAGING_IDEMPOTENCY_TTL`` (seconds, default and minimum 86400): how long an
  Idempotency-Key is remembered; the spec promises at least 24 hours;
- ``GDI_MESSAGING_OUTBOX_RETENTION`` (seconds, default 604800 = 7 days): how long delivered and
  given-up events stay in the outbox; ``GDI_MESSAGING_CLEANUP_INTERVAL`` (seconds, default 600):
  how often the delivery worker deletes what has passed its retention.

Callback URLs may point at loopback addresses: test receivers (and the conformance harness)
run there. A production deployment should refuse loopback and private addresses.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from building_blocks.common import BlockApp, Settings, TokenVerifier
from building_blocks.common import create_app as create_block_app
from building_blocks.common.server import ServeError
from building_blocks.messaging.api import build_router
from building_blocks.messaging.delivery import (
    CLEANUP_INTERVAL,
    OUTBOX_RETENTION,
    DeliveryWorker,
    RetryPolicy,
)
from building_blocks.messaging.identifiers import is_valid_oin
from building_blocks.messaging.store import IDEMPOTENCY_KEY_TTL, MessageStore
from conformance.paths import specs_root

AUDIENCE = "urn:nld:gdi:messaging"
DEFAULT_OPERATOR_OIN = "00000001999999999000"  # synthetic


class ConfigurationError(ServeError):
    """An environment setting of the block is unusable; the message names it (and ``serve``
    shows just that message)."""


def _number(name: str, default: float, *, minimum: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, not {raw!r}") from None
    if not value >= minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, not {raw!r}")
    return value


def retry_policy_from_env() -> RetryPolicy:
    return RetryPolicy(
        base_delay=_number("GDI_MESSAGING_RETRY_BASE", 1.0, minimum=0.01),
        max_delay=_number("GDI_MESSAGING_RETRY_MAX", 300.0, minimum=0.01),
        max_attempts=int(_number("GDI_MESSAGING_MAX_ATTEMPTS", 12, minimum=1)),
    )


@dataclass(frozen=True, slots=True)
class Retention:
    idempotency_ttl: float
    outbox_retention: float
    cleanup_interval: float


def retention_from_env() -> Retention:
    return Retention(
        # Not below the 24 hours the spec promises to the senders.
        idempotency_ttl=_number(
            "GDI_MESSAGING_IDEMPOTENCY_TTL", IDEMPOTENCY_KEY_TTL, minimum=IDEMPOTENCY_KEY_TTL
        ),
        outbox_retention=_number("GDI_MESSAGING_OUTBOX_RETENTION", OUTBOX_RETENTION, minimum=0),
        cleanup_interval=_number("GDI_MESSAGING_CLEANUP_INTERVAL", CLEANUP_INTERVAL, minimum=1),
    )


def operator_oin_from_env() -> str:
    oin = os.environ.get("GDI_MESSAGING_OIN") or DEFAULT_OPERATOR_OIN
    if not is_valid_oin(oin):
        raise ConfigurationError(f"GDI_MESSAGING_OIN must be 20 digits, not {oin!r}")
    return oin


def create_app(settings: Settings, *, verifier: TokenVerifier | None = None) -> BlockApp:
    verifier = verifier or TokenVerifier.from_settings(settings, audience=AUDIENCE)
    retention = retention_from_env()
    store = MessageStore(
        settings.data_dir / "messaging.sqlite3",
        base_url=settings.base_url,
        operator_oin=operator_oin_from_env(),
        idempotency_ttl=retention.idempotency_ttl,
    )
    worker = DeliveryWorker(
        store,
        policy=retry_policy_from_env(),
        outbox_retention=retention.outbox_retention,
        cleanup_interval=retention.cleanup_interval,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        task = asyncio.create_task(worker.run(), name="messaging-delivery")
        try:
            yield {}
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            store.close()

    return create_block_app(
        block="messaging",
        spec_path=specs_root() / "messaging" / "v1" / "openapi.yaml",
        routers=[build_router(store=store, verifier=verifier, worker=worker)],
        lifespan=lifespan,
        state={"store": store, "worker": worker},
    )
