"""Timings a lesson can print honestly: several interleaved runs, their median and their spread.

One timing on a shared machine can show the opposite of what a lesson claims; interleaving the
variants (a, b, a, b, ...) spreads a slow spell over all of them, the median ignores the odd
outlier, and the spread says how far to trust the difference.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Timing:
    """The seconds of several runs of one variant."""

    runs: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def low(self) -> float:
        return min(self.runs)

    @property
    def high(self) -> float:
        return max(self.runs)

    # In milliseconds, as query timings are printed.
    @property
    def median_ms(self) -> float:
        return self.median * 1000

    @property
    def low_ms(self) -> float:
        return self.low * 1000

    @property
    def high_ms(self) -> float:
        return self.high * 1000

    def __str__(self) -> str:
        return (
            f"{self.median:.2f} s (median of {len(self.runs)} runs, "
            f"{self.low:.2f} to {self.high:.2f})"
        )


def interleaved(variants: Mapping[str, Callable[[], Any]], runs: int = 5) -> dict[str, Timing]:
    """Time each variant `runs` times, taking turns, after one untimed warm-up run each."""
    for run in variants.values():
        run()
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(runs):
        for name, run in variants.items():
            start = time.perf_counter()
            run()
            seconds[name].append(time.perf_counter() - start)
    return {name: Timing(tuple(found)) for name, found in seconds.items()}


async def interleaved_async(
    variants: Mapping[str, Callable[[], Awaitable[Any]]], runs: int = 5
) -> dict[str, Timing]:
    """`interleaved` for coroutine functions, awaited in the running event loop (no warm-up:
    each run makes its own client and connections, so there is nothing to warm)."""
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(runs):
        for name, run in variants.items():
            start = time.perf_counter()
            await run()
            seconds[name].append(time.perf_counter() - start)
    return {name: Timing(tuple(found)) for name, found in seconds.items()}
