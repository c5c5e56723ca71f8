"""The practice API's switch board on an injected clock: rate-limit windows, Retry-After,
latency draws and injected errors, stepped through without waiting for real time to pass."""

from __future__ import annotations

from collections import Counter

import pytest

from prodev.stayhub.api.switches import SwitchBoard, SwitchError, Switches


class FakeClock:
    """A monotonic clock that moves only when something sleeps on it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def board(clock: FakeClock, **switches) -> SwitchBoard:
    return SwitchBoard(Switches.build(**switches), clock=clock, sleep=clock.sleep)


def headers(decision) -> dict[str, str]:
    return dict(decision.headers)


def test_fixed_latency_is_slept_on_the_boards_clock():
    clock = FakeClock()
    switch_board = board(clock, latency=0.3)
    decision = switch_board.decide()
    assert decision.delay == 0.3 and decision.status is None
    switch_board.delay(decision)
    assert clock.slept == [0.3] and clock.now == pytest.approx(1000.3)
    switch_board.update(latency=None)
    switch_board.delay(switch_board.decide())
    assert clock.slept == [0.3]  # no latency: no sleep at all


def test_random_latency_stays_in_its_range_and_repeats_with_the_seed():
    def delays(seed: int) -> list[float]:
        switch_board = board(FakeClock(), latency="0.02-0.12", switch_seed=seed)
        return [switch_board.decide().delay for _ in range(50)]

    first = delays(5)
    assert all(0.02 <= d <= 0.12 for d in first)
    assert max(first) - min(first) > 0.05  # it varies...
    assert delays(5) == first  # ...the same way for the same seed
    assert delays(6) != first


def test_rate_limit_window_and_retry_after():
    clock = FakeClock()
    switch_board = board(clock, rate_limit="5/2")
    decisions = [switch_board.decide() for _ in range(8)]
    assert [d.status for d in decisions] == [None] * 5 + [429] * 3
    assert [headers(d)["RateLimit-Remaining"] for d in decisions[:5]] == ["4", "3", "2", "1", "0"]
    limited = headers(decisions[5])
    assert limited["Retry-After"] == "2" and limited["RateLimit-Remaining"] == "0"
    assert decisions[5].injected == "rate_limit"
    clock.sleep(1.5)
    assert switch_board.decide().status == 429
    assert headers(switch_board.decide())["Retry-After"] == "1"  # 0.5 s left, rounded up
    clock.sleep(0.5)  # the first five leave the window exactly now
    assert switch_board.decide().status is None


def test_a_client_that_honours_retry_after_gets_everything_and_no_more_than_the_limit():
    clock = FakeClock(start=0.0)
    switch_board = board(clock, rate_limit=(4, 1.0))
    accepted: list[float] = []
    while len(accepted) < 10:
        decision = switch_board.decide()
        if decision.status == 429:
            clock.sleep(float(headers(decision)["Retry-After"]))
            continue
        accepted.append(clock())
    assert accepted == [0.0] * 4 + [1.0] * 4 + [2.0] * 2
    for first, fifth in zip(accepted, accepted[4:], strict=False):  # never 5 within 1 s
        assert fifth - first >= 1.0


def test_a_new_rate_limit_starts_a_fresh_window():
    switch_board = board(FakeClock(), rate_limit="1/60")
    assert switch_board.decide().status is None
    assert switch_board.decide().status == 429
    switch_board.update(rate_limit="1/60")
    assert switch_board.decide().status is None


def test_error_rate_is_close_to_the_setting_and_deterministic():
    def statuses(seed: int) -> list[int | None]:
        switch_board = board(FakeClock(), error_rate=0.3, switch_seed=seed)
        return [switch_board.decide().status for _ in range(400)]

    first = statuses(11)
    counts = Counter(first)
    assert set(counts) == {None, 500, 503}
    assert 0.22 <= (counts[500] + counts[503]) / len(first) <= 0.38
    assert statuses(11) == first
    assert statuses(12) != first


def test_an_injected_503_says_when_to_retry():
    decision = board(FakeClock(), error_rate=1.0, error_statuses=(503,)).decide()
    assert (decision.status, decision.injected) == (503, "error")
    assert headers(decision)["Retry-After"] == "1"


def test_planted_failures_hit_their_path_only_and_only_as_often_as_planned():
    clock = FakeClock()
    plan = {"/api/properties/7/": 2, "/api/properties/9/": None}
    switch_board = board(clock, latency=0.4, fail_paths=plan)

    def statuses(path: str, times: int) -> list[int | None]:
        return [switch_board.decide(path=path).status for _ in range(times)]

    assert statuses("/api/properties/7/", 4) == [503, 503, None, None]
    assert statuses("/api/properties/9/", 5) == [503] * 5
    assert statuses("/api/properties/70/", 2) == [None, None]  # the exact path, not a prefix
    failure = switch_board.decide(path="/api/properties/9/")
    assert (failure.delay, failure.injected) == (0.0, "fail_path")  # answered at once
    switch_board.update(fail_paths=plan)  # a new plan starts counting afresh
    assert statuses("/api/properties/7/", 3) == [503, 503, None]


def test_planted_failures_leave_the_random_sequence_alone():
    def delays(plan: dict) -> list[float]:
        switch_board = board(FakeClock(), latency=(0.1, 0.5), fail_paths=plan)
        return [switch_board.decide(path=f"/api/properties/{i % 3}/").delay or -1 for i in range(9)]

    planted = delays({"/api/properties/1/": None})
    assert [d for i, d in enumerate(planted) if i % 3 != 1] == [
        d for i, d in enumerate(delays({})) if i % 3 != 1
    ]


def test_bad_switch_values_are_refused_with_a_reason():
    with pytest.raises(SwitchError, match="latency range"):
        Switches.build(latency=(0.5, 0.1))
    with pytest.raises(SwitchError, match="N/SECONDS"):
        Switches.build(rate_limit="fast")
    with pytest.raises(SwitchError, match="unknown switch"):
        Switches.build(latancy=1)
    with pytest.raises(SwitchError, match="number of failures"):
        Switches.build(fail_paths={"/api/health/": 0})
    with pytest.raises(SwitchError, match="start with '/'"):
        Switches.build(fail_paths={"api/health/": 1})
