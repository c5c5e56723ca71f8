"""interleaved_timings: candidates take turns, each gets a warm-up and `repeats` timed runs, and
the spread brackets the median."""

from __future__ import annotations

from prodev.kits.plans import interleaved_timings


def test_candidates_take_turns_and_the_spread_brackets_the_median():
    calls: list[str] = []
    times = interleaved_timings(
        {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, repeats=3
    )
    assert calls == ["a", "b"] + ["a", "b"] * 3  # one warm-up each, then turns
    for timing in times.values():
        assert len(timing.runs) == 3
        assert timing.low_ms <= timing.median_ms <= timing.high_ms
        assert "median of 3" in str(timing)
