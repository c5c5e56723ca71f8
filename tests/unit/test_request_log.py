"""The request log's times on injected clocks: each record holds the log's own readings, taken
when the request arrived and when its response was ready, in that order, for answered requests
and for those a switch answered (the wall-clock figures of a running server: benchmarks/api.py)."""

from __future__ import annotations

from prodev.stayhub.api.gateway import Gateway
from prodev.stayhub.api.requestlog import RequestLog
from prodev.stayhub.api.switches import SwitchBoard, Switches


class SteppingClock:
    """A clock that moves one second further at every reading."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def request(gateway: Gateway, path: str) -> str:
    got = {}
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "REMOTE_ADDR": "x"}
    gateway(environ, lambda status, headers: got.setdefault("status", status))
    return got["status"]


def board(**switches) -> SwitchBoard:
    """A switch board that never waits."""
    return SwitchBoard(Switches.build(**switches), clock=lambda: 0.0, sleep=lambda seconds: None)


def test_records_hold_the_logs_readings_at_arrival_and_at_the_response():
    log = RequestLog(clock=SteppingClock(100.0), wall_clock=SteppingClock(5_000.0))
    gateway = Gateway(hello, board(), log)
    assert request(gateway, "/a/") == "200 OK"
    assert request(gateway, "/b/") == "200 OK"
    first, second = log.records
    assert (first.started, first.ended, first.started_wall, first.ended_wall) == (
        101.0, 102.0, 5_001.0, 5_002.0,
    )  # fmt: skip
    assert (second.started, second.ended, second.started_wall, second.ended_wall) == (
        103.0, 104.0, 5_003.0, 5_004.0,
    )  # fmt: skip
    assert first.duration == 1.0 and first.in_flight == second.in_flight == 1
    assert log.in_flight == 0


def test_a_request_a_switch_answers_is_timed_the_same_way():
    log = RequestLog(clock=SteppingClock(0.0), wall_clock=SteppingClock(9_000.0))
    errors = board(error_rate=1.0, error_statuses=(503,))
    assert request(Gateway(hello, errors, log), "/c/").startswith("503")
    (record,) = log.records
    assert record.injected == "error"
    assert (record.started, record.ended, record.started_wall, record.ended_wall) == (
        1.0, 2.0, 9_001.0, 9_002.0,
    )  # fmt: skip
