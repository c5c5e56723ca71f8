"""The practice API's switches (latency, error rate, rate limit, required auth) and its request
log, seen by real clients over loopback HTTP. The switch board's arithmetic (windows, Retry-After,
random draws) is tested on an injected clock in tests/unit/test_switchboard.py; latency figures
are in benchmarks/api.py."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter

import httpx
import pytest

from prodev.stayhub.api import PracticeAPI, SwitchError

pytestmark = pytest.mark.timeout(120)


class LatencyGate:
    """The server's way of waiting out latency. Armed for n requests, each of them first waits
    until all n are being served: so a test sees them overlap however slow the machine is."""

    def __init__(self) -> None:
        self.barrier: threading.Barrier | None = None

    def __call__(self, seconds: float) -> None:
        if self.barrier is not None:
            self.barrier.wait(timeout=60)  # broken (an error, a failed test) if n never arrive
        time.sleep(seconds)


GATE = LatencyGate()


@pytest.fixture(scope="module")
def api():
    with PracticeAPI(seed=42, sleep=GATE) as running:
        httpx.post(running.url + "/graphql", json={"query": "{ user(id: 1) { userId } }"})
        yield running


@pytest.fixture(autouse=True)
def fresh_log(api):
    api.clear_requests()
    yield
    api.configure(latency=None, error_rate=0, rate_limit=None, require_auth=False)


def get(api, path: str, **kwargs) -> httpx.Response:
    return httpx.get(api.url + path, timeout=10, **kwargs)


# ------------------------------------------------------------------ latency


def test_fixed_latency_holds_each_request_at_least_that_long(api):
    with api.switched(latency=0.3):
        started = time.perf_counter()
        response = get(api, "/api/properties/1/")
        elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert elapsed >= 0.3  # a lower bound only: a busy machine can only add time
    get(api, "/api/properties/1/")
    slow, _ = api.requests
    assert slow.duration >= 0.3


def test_random_latency_holds_requests_at_least_its_low_end(api):
    def durations() -> list[float]:
        api.clear_requests()
        api.configure(latency=(0.02, 0.12), switch_seed=5)
        with httpx.Client(base_url=api.url) as client:
            for _ in range(8):
                client.get("/api/health/")
        return [r.duration for r in api.requests]

    assert all(d >= 0.02 for d in durations())  # the draws themselves: test_switchboard.py


# ------------------------------------------------------------------ errors


def test_error_rate_is_close_to_the_setting_and_deterministic(api):
    def statuses(seed: int) -> list[int]:
        api.configure(error_rate=0.3, switch_seed=seed)
        with httpx.Client(base_url=api.url) as client:
            return [client.get("/api/health/").status_code for _ in range(200)]

    first = statuses(11)
    counts = Counter(first)
    assert set(counts) == {200, 500, 503}
    share = (counts[500] + counts[503]) / len(first)
    assert 0.22 <= share <= 0.38
    assert statuses(11) == first  # same seed, same sequence
    assert statuses(12) != first


def test_injected_errors_are_json_and_503_says_when_to_retry(api):
    api.configure(error_rate=1.0, error_statuses=(503,))
    try:
        response = get(api, "/api/properties/")
    finally:
        api.configure(error_statuses=(500, 503))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert "detail" in response.json()
    assert api.requests[-1].injected == "error"


def test_planted_failures_follow_the_plan_per_path_under_concurrent_clients(api):
    plan = {"/api/properties/7/": 2, "/api/properties/9/": None}
    ids = [7, 9, 11] * 4  # each path asked four times, all at once

    async def statuses() -> list[int]:
        async with httpx.AsyncClient(base_url=api.url, timeout=10) as client:
            answers = await asyncio.gather(*[client.get(f"/api/properties/{i}/") for i in ids])
        return [a.status_code for a in answers]

    with api.switched(latency=0.05, fail_paths=plan):
        asyncio.run(statuses())
    by_path = Counter((r.path, r.status) for r in api.requests)
    assert by_path == Counter(
        {
            ("/api/properties/7/", 503): 2,
            ("/api/properties/7/", 200): 2,
            ("/api/properties/9/", 503): 4,
            ("/api/properties/11/", 200): 4,
        }
    )
    failed = [r for r in api.requests if r.status == 503]
    assert {r.injected for r in failed} == {"fail_path"}
    assert api.switches.fail_paths == ()  # restored when the block ended
    response = get(api, "/api/properties/9/")
    assert response.status_code == 200


# ------------------------------------------------------------------ rate limit


def test_rate_limit_answers_429_with_retry_after(api):
    api.configure(rate_limit="5/2")
    with httpx.Client(base_url=api.url) as client:
        responses = [client.get("/api/health/") for _ in range(8)]
        codes = [r.status_code for r in responses]
        assert codes == [200] * 5 + [429] * 3
        limited = responses[5]
        retry_after = int(limited.headers["Retry-After"])
        assert 1 <= retry_after <= 2
        assert limited.headers["RateLimit-Remaining"] == "0"
        assert responses[0].headers["RateLimit-Limit"] == "5"
        assert responses[0].headers["RateLimit-Remaining"] == "4"
        assert "rate limit" in limited.json()["detail"]
        time.sleep(retry_after)
        assert client.get("/api/health/").status_code == 200
    assert [r.injected for r in api.requests].count("rate_limit") == 3


def test_a_client_that_honours_retry_after_gets_everything(api):
    api.configure(rate_limit=(4, 1.0))
    got = 0
    with httpx.Client(base_url=api.url) as client:
        while got < 10:
            response = client.get("/api/properties/", params={"page": got + 1})
            if response.status_code == 429:
                time.sleep(float(response.headers["Retry-After"]))
                continue
            got += 1
    accepted = [r for r in api.requests if r.status == 200]
    for first, fifth in zip(accepted, accepted[4:], strict=False):  # never 5 within 1 s
        assert fifth.started - first.started >= 1.0


# ------------------------------------------------------------------ required auth


def test_require_auth_switch(api):
    assert get(api, "/api/properties/1/").status_code == 200
    api.configure(require_auth=True)
    anonymous = get(api, "/api/properties/1/")
    assert anonymous.status_code == 401
    assert anonymous.json() == {"detail": "Authentication credentials were not provided."}
    assert get(api, "/api/properties/1/", headers=api.auth_header).status_code == 200
    graphql = httpx.post(api.url + "/graphql", json={"query": "{ user(id: 1) { email } }"})
    assert graphql.status_code == 401
    assert graphql.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    ok = httpx.post(
        api.url + "/graphql", json={"query": "{ user(id: 1) { userId } }"}, headers=api.auth_header
    )
    assert ok.json() == {"data": {"user": {"userId": 1}}}
    token = httpx.post(
        api.url + "/api/auth/token/", json={"username": api.username, "password": api.password}
    )
    assert token.status_code == 200  # logging in never needs a login
    jwt = httpx.post(
        api.url + "/api/auth/jwt/", json={"username": api.username, "password": api.password}
    )
    assert jwt.status_code == 200
    assert get(api, "/api/schema/").status_code == 200
    assert get(api, "/api/health/").status_code == 200
    assert get(api, "/api/").status_code == 401
    api.configure(require_auth=False)
    assert get(api, "/api/properties/1/").status_code == 200


def test_bad_switch_values_are_refused_with_a_reason(api):
    with pytest.raises(SwitchError, match="error_rate"):
        api.configure(error_rate=1.5)
    with pytest.raises(SwitchError, match="N/SECONDS"):
        api.configure(rate_limit="fast")
    with pytest.raises(SwitchError, match="unknown switch"):
        api.configure(latancy=1)
    assert api.switches.error_rate == 0


# ------------------------------------------------------------------ the request log


def test_log_records_what_the_client_did(api):
    with httpx.Client(base_url=api.url, headers={"User-Agent": "lesson/1"}) as client:
        first = client.get("/api/properties/2/")
        client.get("/api/properties/2/", headers={"If-None-Match": first.headers["ETag"]})
        client.get("/api/bookings/", params={"status": "confirmed", "page": 2})
        client.post("/api/payments/", json={})
    log = api.requests
    assert [(r.method, r.path, r.status) for r in log] == [
        ("GET", "/api/properties/2/", 200),
        ("GET", "/api/properties/2/", 304),
        ("GET", "/api/bookings/", 200),
        ("POST", "/api/payments/", 401),
    ]
    assert log[2].query == "status=confirmed&page=2"
    assert log[1].headers["if-none-match"] == first.headers["ETag"]
    assert log[0].headers["user-agent"] == "lesson/1"
    assert "content-type" not in log[0].headers and "authorization" not in log[3].headers
    assert log[3].headers["content-type"] == "application/json"
    assert len({r.client for r in log}) == 1  # one keep-alive connection
    # which clock readings a record holds: tests/unit/test_request_log.py, on injected clocks
    for record in log:
        assert record.in_flight == 1 and record.injected is None
    assert [r.started for r in log] == sorted(r.started for r in log)
    assert set(log[0].to_dict()) >= {"method", "path", "status", "duration", "in_flight"}
    api.clear_requests()
    assert api.requests == []


def test_on_answer_tells_the_listener_before_the_client_has_the_response(api):
    told = []

    def listener(record):
        told.append((record.method, record.path, record.status))

    with api.on_answer(listener):
        get(api, "/api/health/")
        assert told == [("GET", "/api/health/", 200)]  # told before the response arrived
        get(api, "/api/nope/")
    get(api, "/api/health/")  # after the block: no longer told
    assert told == [("GET", "/api/health/", 200), ("GET", "/api/nope/", 404)]


def test_log_is_exact_under_concurrent_clients(api):
    def worker(n: int) -> None:
        with httpx.Client(base_url=api.url) as client:
            for i in range(10):
                client.get("/api/users/", params={"worker": n, "i": i, "page_size": 1})

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log = api.requests
    assert len(log) == 160 and {r.status for r in log} == {200}
    assert len({r.query for r in log}) == 160
    assert max(r.in_flight for r in log) > 1
    assert api.in_flight == 0


def test_fifty_concurrent_requests_with_latency(api):
    api.configure(latency=0.5)
    GATE.barrier = threading.Barrier(50)

    async def fetch_all() -> list[int]:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(base_url=api.url, limits=limits, timeout=20) as client:
            responses = await asyncio.gather(
                *(client.get(f"/api/properties/{i}/") for i in range(1, 51))
            )
        return [r.status_code for r in responses]

    try:
        statuses = asyncio.run(fetch_all())  # the wall time: benchmarks/api.py
    finally:
        GATE.barrier = None
    assert statuses == [200] * 50
    log = api.requests
    assert len(log) == 50
    assert max(r.in_flight for r in log) == 50 == api.max_in_flight
    assert all(r.duration >= 0.5 for r in log)


def test_sequential_requests_never_overlap_in_the_log(api):
    api.configure(latency=0.05)
    with httpx.Client(base_url=api.url) as client:
        for i in range(1, 6):
            client.get(f"/api/reviews/{i}/")
    log = api.requests
    assert all(r.in_flight == 1 for r in log)
    assert all(a.ended <= b.started for a, b in zip(log, log[1:], strict=False))
