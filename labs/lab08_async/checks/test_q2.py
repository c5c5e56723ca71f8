"""Question 2: fetch_limited never has more than `limit` requests in flight, and uses them."""

from prodev.checking import check
from prodev.probes.practice import assert_properties, concurrency_summary, requests_to

IDS = [14, 2, 8, 21, 5, 17, 11, 3, 9, 25, 6, 19]
LIMIT = 3


@check("q2", points=1)
def test_stays_within_the_limit(student, api):
    got = student.call("fetch_limited", api.url, IDS, LIMIT)
    assert_properties(got, IDS, "fetch_limited")
    records = requests_to(api, "/api/properties/")
    most = max((r.in_flight for r in records), default=0)
    assert most <= LIMIT, (
        f"{most} requests were in flight at once with limit={LIMIT}: hold an "
        "asyncio.Semaphore(limit) around each request"
    )


@check("q2", points=1)
def test_uses_the_limit(student, api):
    student.call("fetch_limited", api.url, IDS, LIMIT)
    records = requests_to(api, "/api/properties/")
    most = max((r.in_flight for r in records), default=0)
    assert most >= LIMIT - 1, (
        f"with limit={LIMIT} your requests ran {concurrency_summary(records)}: the limit is "
        "a maximum, keep that many going"
    )
