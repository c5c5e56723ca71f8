"""The running server's state that views need: switches, the write lock, idempotency records.

Django is configured once per process, so at most one practice API runs in a process at a time
(see `prodev.stayhub.api.server`); `current()` returns its state.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from prodev.stayhub.api.switches import SwitchBoard


@dataclass
class IdempotentResult:
    """The first response to an Idempotency-Key, replayed for later requests with that key."""

    fingerprint: str
    done: threading.Event = field(default_factory=threading.Event)
    status: int | None = None
    data: Any = None


@dataclass
class ServerState:
    board: SwitchBoard
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    idempotency: dict[tuple[Any, str], IdempotentResult] = field(default_factory=dict)
    idempotency_lock: threading.Lock = field(default_factory=threading.Lock)


_current: ServerState | None = None


def current() -> ServerState:
    """The state of the practice API running in this process."""
    if _current is None:
        raise RuntimeError("no practice API is running in this process")
    return _current


def activate(state: ServerState | None) -> None:
    """Make `state` the running server's (None when it stops)."""
    global _current
    _current = state
