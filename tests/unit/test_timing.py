"""prodev.kits.timing: medians and spreads of interleaved runs, and the order runs take turns in."""

import asyncio

from prodev.kits.timing import Timing, interleaved, interleaved_async


def test_timing_reports_median_and_spread():
    timing = Timing((0.3, 0.1, 0.2, 0.9, 0.25))
    assert (timing.median, timing.low, timing.high) == (0.25, 0.1, 0.9)
    assert str(timing) == "0.25 s (median of 5 runs, 0.10 to 0.90)"


def test_variants_take_turns_after_a_warm_up():
    order = []
    timings = interleaved({"a": lambda: order.append("a"), "b": lambda: order.append("b")}, 3)
    assert order == ["a", "b"] + ["a", "b"] * 3
    assert {name: len(t.runs) for name, t in timings.items()} == {"a": 3, "b": 3}


def test_async_variants_are_awaited_in_turn():
    order = []

    def variant(name):
        async def run():
            order.append(name)
            await asyncio.sleep(0)

        return run

    timings = asyncio.run(interleaved_async({"x": variant("x"), "y": variant("y")}, runs=2))
    assert order == ["x", "y", "x", "y"]
    assert all(t.low >= 0 and len(t.runs) == 2 for t in timings.values())
