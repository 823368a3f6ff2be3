"""Tunables of the behaviour checks, from the environment (all optional).

- ``GDI_CONFORMANCE_DELIVERY_TIMEOUT`` (seconds, default 10): how long an event may take to
  reach the harness's receiver, and a retry after a failed delivery to arrive;
- ``GDI_CONFORMANCE_QUIET_PERIOD`` (seconds, default 3): how long the receiver listens for
  events that must *not* come (another organisation's, a deleted subscription's);
- ``GDI_CONFORMANCE_RECEIVER_HOST`` (default 127.0.0.1): where the receiver listens; the
  implementation must be able to reach it there;
- ``GDI_CONFORMANCE_RESTART_COMMAND``: a command (run without a shell) that crashes the
  implementation under test (SIGKILL or the like: no shutdown code may run) and starts it
  again; ``GDI_CONFORMANCE_RESTART_TIMEOUT`` (seconds, default 60) bounds the command and the
  wait until the implementation answers again. Without a command (or a restart hook of the
  run, which ``certify --reference`` gives for the blocks it starts) the durability check
  cannot be carried out;
- ``GDI_CONFORMANCE_BB_EXAMPLES`` (default 8) and ``GDI_CONFORMANCE_BB_STEPS`` (default 20):
  the examples of each generated check and the steps of each state-machine run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


class SettingError(ValueError):
    """An environment setting is unusable; the message names it."""


def _number(name: str, default: float, minimum: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingError(f"{name} must be a number, not {raw!r}") from None
    if not value >= minimum:
        raise SettingError(f"{name} must be at least {minimum:g}, not {raw!r}")
    return value


@dataclass(frozen=True, slots=True)
class BehaviourSettings:
    delivery_timeout: float = 10.0
    quiet_period: float = 3.0
    receiver_host: str = "127.0.0.1"
    examples: int = 8
    steps: int = 20
    restart_command: str | None = None
    restart_timeout: float = 60.0

    @classmethod
    def from_environment(cls) -> BehaviourSettings:
        return cls(
            delivery_timeout=_number("GDI_CONFORMANCE_DELIVERY_TIMEOUT", 10.0, 0.1),
            quiet_period=_number("GDI_CONFORMANCE_QUIET_PERIOD", 3.0, 0.0),
            receiver_host=os.environ.get("GDI_CONFORMANCE_RECEIVER_HOST", "").strip()
            or "127.0.0.1",
            examples=int(_number("GDI_CONFORMANCE_BB_EXAMPLES", 8, 1)),
            steps=int(_number("GDI_CONFORMANCE_BB_STEPS", 20, 1)),
            restart_command=os.environ.get("GDI_CONFORMANCE_RESTART_COMMAND", "").strip() or None,
            restart_timeout=_number("GDI_CONFORMANCE_RESTART_TIMEOUT", 60.0, 1.0),
        )
