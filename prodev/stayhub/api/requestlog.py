"""The request log: one exact, thread-safe record per HTTP request the practice API answered.

Lessons and graders read it to see what a client really did (how often it retried, how many
requests it had in flight, whether it revalidated with If-None-Match), so records are written by
the server itself, before the response leaves it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class RequestRecord:
    """One answered request. Times are `time.monotonic()` (`started`, `ended`) and
    `time.time()` (`started_wall`, `ended_wall`); `in_flight` counts the requests being served
    when this one arrived, itself included; `injected` names the switch that answered it
    ("rate_limit", "error") or is None when the API itself did."""

    method: str
    path: str
    query: str
    status: int
    started: float
    ended: float
    started_wall: float
    ended_wall: float
    in_flight: int
    client: str
    headers: dict[str, str] = field(default_factory=dict)
    injected: str | None = None

    @property
    def duration(self) -> float:
        """Seconds from arrival to the response being ready."""
        return self.ended - self.started

    def to_dict(self) -> dict[str, Any]:
        """The record as a plain dict (for JSON or pandas)."""
        return asdict(self) | {"duration": self.duration}


class RequestLog:
    """Records of answered requests plus the number of requests in flight, under one lock.

    `clock` (monotonic) and `wall_clock` default to the real ones; a test passes its own to see
    which readings a record holds."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []
        self._in_flight = 0
        self._max_in_flight = 0
        self._listeners: list[Callable[[RequestRecord], None]] = []

    def begin(self) -> tuple[float, float, int]:
        """Count a request in; return (monotonic start, wall start, in flight including it)."""
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
            return self._clock(), self._wall_clock(), self._in_flight

    def now(self) -> tuple[float, float]:
        """(monotonic, wall) readings of the log's clocks, for when a response is ready."""
        return self._clock(), self._wall_clock()

    def end(self, record: RequestRecord) -> None:
        """Count a request out, store its record and tell the listeners (in the server's
        thread, before the response leaves)."""
        with self._lock:
            self._in_flight -= 1
            self._records.append(record)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(record)

    def listen(self, listener: Callable[[RequestRecord], None]) -> None:
        """Call `listener(record)` as each later request is answered."""
        with self._lock:
            self._listeners.append(listener)

    def unlisten(self, listener: Callable[[RequestRecord], None]) -> None:
        with self._lock:
            self._listeners.remove(listener)

    def abandon(self) -> None:
        """Count out a request that never produced a response (the connection broke)."""
        with self._lock:
            self._in_flight -= 1

    @property
    def records(self) -> list[RequestRecord]:
        """A snapshot of the records, in the order the responses were ready."""
        with self._lock:
            return list(self._records)

    @property
    def in_flight(self) -> int:
        """Requests being served right now."""
        with self._lock:
            return self._in_flight

    @property
    def max_in_flight(self) -> int:
        """The most requests served at once since the log was last cleared."""
        with self._lock:
            return self._max_in_flight

    def clear(self) -> None:
        """Forget every record (requests in flight are still counted and will be recorded)."""
        with self._lock:
            self._records.clear()
            self._max_in_flight = self._in_flight
