"""The switches that make the practice API misbehave on purpose: latency, errors, rate limits,
required auth. A client that copes with them copes with real APIs.

All randomness (random latency, which requests fail) comes from one `random.Random` seeded with
`switch_seed`, drawn in the order requests arrive, so a sequential client sees the same sequence
of outcomes every run.
"""

from __future__ import annotations

import math
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from prodev.errors import UserError

Latency = float | tuple[float, float] | None
RateLimit = tuple[int, float] | None
FailPaths = tuple[tuple[str, int | None], ...]


class SwitchError(UserError, ValueError):
    """A switch was given a value it cannot take."""


def parse_latency(value: Any) -> Latency:
    """0.5 -> fixed 0.5 s; (0.1, 0.4), "0.1-0.4" or "0.1,0.4" -> uniform in that range;
    None or 0 -> off."""
    if value in (None, 0, 0.0, "", "0"):
        return None
    if isinstance(value, str):
        parts = [p for p in re.split(r"[,\-:]", value.strip()) if p]
        value = float(parts[0]) if len(parts) == 1 else tuple(float(p) for p in parts)
    if isinstance(value, int | float):
        if value < 0:
            raise SwitchError(f"latency must be >= 0 seconds, got {value}")
        return float(value)
    low, high = (float(v) for v in value)
    if not 0 <= low <= high:
        raise SwitchError(f"latency range must be 0 <= low <= high, got ({low}, {high})")
    return (low, high)


def parse_rate_limit(value: Any) -> RateLimit:
    """ "10/1" or (10, 1.0) -> 10 requests per 1 s window; an int N -> N per second; None -> off."""
    if value in (None, 0, ""):
        return None
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d+)\s*(?:/\s*(\d+(?:\.\d+)?)\s*s?)?\s*", value)
        if not match:
            raise SwitchError(f"rate limit must look like N/SECONDS (e.g. 10/1), got {value!r}")
        value = (int(match.group(1)), float(match.group(2) or 1))
    if isinstance(value, int):
        value = (value, 1.0)
    count, window = int(value[0]), float(value[1])
    if count < 1 or window <= 0:
        raise SwitchError(f"rate limit needs N >= 1 requests per window > 0 s, got {value!r}")
    return (count, window)


def parse_error_rate(value: Any) -> float:
    """A probability in [0, 1] that a request is answered with a 500 or 503."""
    rate = float(value or 0)
    if not 0 <= rate <= 1:
        raise SwitchError(f"error_rate must be between 0 and 1, got {value}")
    return rate


def parse_fail_paths(value: Any) -> FailPaths:
    """{path: N} -> the first N requests for that exact path fail; {path: None} -> every one
    does. Kept as sorted (path, N) pairs so that the switches stay immutable."""
    if not value:
        return ()
    pairs = value.items() if isinstance(value, dict) else value
    plan: dict[str, int | None] = {}
    for path, times in pairs:
        if not isinstance(path, str) or not path.startswith("/"):
            raise SwitchError(f"fail_paths takes paths that start with '/', got {path!r}")
        if times is not None and (isinstance(times, bool) or int(times) < 1):
            raise SwitchError(
                f"fail_paths[{path!r}] must be a number of failures >= 1, or None for "
                f"always, got {times!r}"
            )
        plan[path] = None if times is None else int(times)
    return tuple(sorted(plan.items()))


@dataclass(frozen=True)
class Switches:
    """The current switch values. `error_statuses` are the statuses injected errors use."""

    latency: Latency = None
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 503)
    rate_limit: RateLimit = None
    require_auth: bool = False
    switch_seed: int = 0
    fail_paths: FailPaths = ()

    @classmethod
    def build(cls, base: Switches | None = None, **changes: Any) -> Switches:
        """Validated switches: `base` (or the defaults) with `changes` applied."""
        unknown = set(changes) - set(cls.__dataclass_fields__)
        if unknown:
            raise SwitchError(
                f"unknown switch(es) {sorted(unknown)}; known: {sorted(cls.__dataclass_fields__)}"
            )
        parsers = {
            "latency": parse_latency,
            "error_rate": parse_error_rate,
            "rate_limit": parse_rate_limit,
            "require_auth": bool,
            "switch_seed": int,
            "error_statuses": lambda v: tuple(int(s) for s in v),
            "fail_paths": parse_fail_paths,
        }
        parsed = {name: parsers[name](value) for name, value in changes.items()}
        return replace(base or cls(), **parsed)


@dataclass(frozen=True)
class Decision:
    """What the switches decided for one request."""

    delay: float = 0.0
    status: int | None = None  # an injected status, or None to let the API answer
    injected: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


class SwitchBoard:
    """Applies the switches to each arriving request; thread-safe; switches change at any time.

    `clock` (seconds, monotonic) and `sleep` default to the real ones; a test passes its own to
    step through rate-limit windows and latencies without waiting for them.
    """

    def __init__(
        self,
        switches: Switches,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep
        self._switches = switches
        self._random = random.Random(switches.switch_seed)
        self._accepted: deque[float] = deque()  # monotonic times of requests the limit let in
        self._failed: dict[str, int] = {}  # planted failures served so far, per path

    @property
    def switches(self) -> Switches:
        with self._lock:
            return self._switches

    def update(self, **changes: Any) -> Switches:
        """Change switches; a new `switch_seed` restarts the random sequence, a new
        `rate_limit` starts a fresh window."""
        with self._lock:
            self._switches = Switches.build(self._switches, **changes)
            if "switch_seed" in changes:
                self._random = random.Random(self._switches.switch_seed)
            if "rate_limit" in changes:
                self._accepted.clear()
            if "fail_paths" in changes:
                self._failed.clear()
            return self._switches

    def now(self) -> float:
        """The board's clock."""
        return self._clock()

    def delay(self, decision: Decision) -> None:
        """Hold the request for the latency `decision` chose."""
        if decision.delay > 0:
            self._sleep(decision.delay)

    def decide(self, now: float | None = None, path: str = "") -> Decision:
        """Decide latency, rate limiting and injected errors for a request for `path` arriving
        at `now` (the board's clock if not given)."""
        if now is None:
            now = self._clock()
        with self._lock:
            s = self._switches
            delay = 0.0
            if isinstance(s.latency, tuple):
                delay = self._random.uniform(*s.latency)
            elif s.latency:
                delay = s.latency
            headers: list[tuple[str, str]] = []
            if s.rate_limit:
                limit, window = s.rate_limit
                while self._accepted and self._accepted[0] <= now - window:
                    self._accepted.popleft()
                if len(self._accepted) >= limit:
                    wait = self._accepted[0] + window - now
                    retry_after = max(1, math.ceil(wait))
                    headers += [
                        ("Retry-After", str(retry_after)),
                        ("RateLimit-Limit", str(limit)),
                        ("RateLimit-Remaining", "0"),
                        ("RateLimit-Reset", str(retry_after)),
                    ]
                    return Decision(delay, 429, "rate_limit", tuple(headers))
                self._accepted.append(now)
                reset = math.ceil(self._accepted[0] + window - now)
                headers += [
                    ("RateLimit-Limit", str(limit)),
                    ("RateLimit-Remaining", str(limit - len(self._accepted))),
                    ("RateLimit-Reset", str(max(reset, 0))),
                ]
            planted = dict(s.fail_paths)
            if path in planted:
                served = self._failed.get(path, 0)
                if planted[path] is None or served < planted[path]:
                    # Answered at once, as a proxy with no healthy backend would: the latency
                    # drawn above is dropped, so the random sequence stays the same.
                    self._failed[path] = served + 1
                    return Decision(0.0, 503, "fail_path", tuple(headers))
            if s.error_rate and self._random.random() < s.error_rate:
                status = self._random.choice(s.error_statuses)
                if status == 503:
                    headers.append(("Retry-After", "1"))
                return Decision(delay, status, "error", tuple(headers))
            return Decision(delay, None, None, tuple(headers))
