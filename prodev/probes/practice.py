"""Checks for labs whose code talks to the practice API: a fresh server per check (its request
log is the evidence) and helpers that read that log.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def practice_api_fixture(**switches: Any) -> Any:
    """A pytest fixture: a fresh practice API (seed 42) with these switches, for one check.

    The server runs in the grader's process, so its request log is what the student's code really
    did. A check passes `api.url` to the student's function: `student.expose` makes that address
    reachable from the student's code (inside the grading sandbox, through a forwarded socket).
    """
    import pytest

    @pytest.fixture
    def api(student: Any) -> Any:
        from prodev.stayhub.api import PracticeAPIError, practice_api

        try:
            server = practice_api(seed=42, **switches)
        except PracticeAPIError as exc:
            pytest.fail(
                f"{exc}. The checks start their own practice API: stop yours first "
                "(end its `with` block, or run prodev.stayhub.api.stop_running()) and check again"
            )
        try:
            if student.expose(server.port) != server.url:
                pytest.fail("the grader could not expose the practice API at its own address")
            yield server
        finally:
            server.stop()

    return api


def requests_to(api: Any, prefix: str) -> list[Any]:
    """The practice API's records of requests whose path starts with `prefix`, oldest first."""
    return sorted((r for r in api.requests if r.path.startswith(prefix)), key=lambda r: r.started)


def assert_properties(got: Any, ids: Sequence[int], function: str) -> None:
    """Fail unless `got` is a list of property objects with exactly these ids, in this order
    (None stands for a property the function was allowed to skip)."""
    if not isinstance(got, list):
        raise AssertionError(f"{function} should return a list, not a {type(got).__name__}")
    if len(got) != len(ids):
        raise AssertionError(f"{function} returned {len(got)} items for {len(ids)} ids")
    for position, (item, wanted) in enumerate(zip(got, ids, strict=True), start=1):
        if item is None:
            continue
        if not isinstance(item, dict) or "property_id" not in item:
            raise AssertionError(
                f"item {position} is not a property (a dict with property_id), but a "
                f"{type(item).__name__}"
            )
        if item["property_id"] != wanted:
            raise AssertionError(
                f"item {position} is property {item['property_id']}, but {wanted} was asked for "
                "there: the results are not in the order of the ids"
            )


def concurrency_summary(records: Sequence[Any]) -> str:
    """'at most K in flight, S s in all for T s of server time': what a student needs to see."""
    most = max((r.in_flight for r in records), default=0)
    span = max(r.ended for r in records) - min(r.started for r in records) if records else 0.0
    total = sum(r.duration for r in records)
    return f"at most {most} in flight at once, {span:.2f} s in all for {total:.2f} s of waiting"


def idle_share(records: Sequence[Any], limit: int) -> float:
    """The share of `limit` slots left unused while requests were still waiting to start.

    Measured on the server's clock from the first request's arrival to the last one's: a client
    that starts a new request as soon as one finishes keeps every slot busy (a few milliseconds
    lost per hand-over); one that works in batches, or keeps fewer than `limit` going, leaves
    slots empty while the slowest request of a batch is still out.
    """
    if len(records) < 2 or limit < 1:
        return 0.0
    first = min(r.started for r in records)
    last = max(r.started for r in records)
    if last <= first:
        return 0.0
    # +1 when a request arrives, -1 when it is answered; ties: answers first (a hand-over).
    events = sorted(
        [(r.started, 1) for r in records] + [(r.ended, -1) for r in records],
        key=lambda e: (e[0], e[1]),
    )
    idle = 0.0
    in_flight, previous = 0, first
    for moment, change in events:
        until = min(moment, last)
        if until > previous:  # `in_flight` requests were out from `previous` to `until`
            idle += max(0, limit - in_flight) * (until - previous)
            previous = until
        in_flight += change
    return idle / (limit * (last - first))


def warm_up(api: Any) -> None:
    """Make one request of the grader's own and forget it, with no latency or rate limit, so
    that a fresh server's first-request costs do not land on the student's first request (the
    rate-limit window then starts afresh)."""
    import httpx

    with api.switched(latency=None, rate_limit=None):
        httpx.get(f"{api.url}/api/properties/1/", timeout=10)
    api.clear_requests()


def run_with_planted_failures(
    student: Any,
    api: Any,
    function: str,
    ids: Sequence[int],
    max_attempts: int,
    backoff: float,
    plan: dict[int, int | None],
    latency: Any,
    switch_seed: int,
) -> tuple[Any, list[Any]]:
    """Call `function(api.url, ids, max_attempts, backoff)` while property `id` fails its first
    `plan[id]` requests (None: every one) with a 503, and the rest are answered with `latency`.
    Returns what the function returned and the API's records of property requests, read once
    every request still in flight (from siblings the function abandoned) has been answered."""
    import time

    warm_up(api)
    failing = {f"/api/properties/{i}/": times for i, times in plan.items()}
    with api.switched(latency=latency, switch_seed=switch_seed, fail_paths=failing):
        got = student.call(function, api.url, list(ids), max_attempts, backoff)
        deadline = time.monotonic() + 10
        while api.in_flight and time.monotonic() < deadline:
            time.sleep(0.05)
    return got, requests_to(api, "/api/properties/")


def attempts_by_id(ids: Sequence[int], records: Sequence[Any]) -> dict[int, list[Any]]:
    """{id: the API's records of `GET /api/properties/{id}/`, in arrival order}."""
    by_path: dict[str, list[Any]] = {}
    for record in sorted(records, key=lambda r: r.started):
        by_path.setdefault(record.path, []).append(record)
    return {i: by_path.get(f"/api/properties/{i}/", []) for i in ids}


def resilience_problems(
    got: dict[str, Any], ids: Sequence[int], max_attempts: int, records: Sequence[Any]
) -> tuple[str, str] | None:
    """What is wrong with a partial-failure result, judged against the API's log, as (a message
    naming the property, a message that names none), or None. An id the API answered must be in
    the result; an id it never answered must have had every attempt, and be reported failed."""
    properties, failed = got["properties"], got["failed"]
    never_answered = []
    for position, (property_id, asked) in enumerate(attempts_by_id(ids, records).items()):
        answered = any(r.status == 200 for r in asked)
        if not asked:
            return (
                f"property {property_id} was never requested",
                "an id was never requested",
            )
        if answered and properties[position] is None:
            return (
                f"the API answered property {property_id}, but your result has None for it: "
                "its answer was lost (did another id's failure stop or cancel it?)",
                "an id the API answered is missing from the result: its answer was lost when "
                "another id failed",
            )
        if not answered:
            never_answered.append(property_id)
            if len(asked) < max_attempts:
                return (
                    f"property {property_id} was requested {len(asked)} times, all failed, and "
                    f"then never again, though max_attempts is {max_attempts}: it was given up "
                    "early (or cancelled when another id failed)",
                    "an id was given up before max_attempts requests (or cancelled when another "
                    "id failed)",
                )
            if properties[position] is not None:
                return (
                    f"the API never answered property {property_id}, yet your result has one",
                    "the result holds a property the API never answered",
                )
    if not isinstance(failed, list) or failed != never_answered:
        return (
            f"failed should list the ids the API never answered, in the order of ids; you "
            f"returned {failed!r}",
            "failed does not list exactly the ids that failed for good, in the order of ids",
        )
    return None


def backoff_shortfalls(
    ids: Sequence[int], backoff: float, records: Sequence[Any], floor: float = 0.8
) -> list[tuple[int, int, float]]:
    """(id, n, pause) for each retry that came sooner than `floor` times backoff * 2 ** (n - 1)
    after the id's n-th failure, measured on the API's clock from the failed answer to the next
    arrival. A client that sleeps the full pause is always over the floor, however busy the
    machine: the pause only grows."""
    short = []
    for property_id, asked in attempts_by_id(ids, records).items():
        for n, (before, after) in enumerate(zip(asked, asked[1:], strict=False), start=1):
            pause = after.started - before.ended
            if pause < floor * backoff * 2 ** (n - 1):
                short.append((property_id, n, pause))
    return short
