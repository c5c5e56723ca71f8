"""Question 2, hidden: a limit of one, and a limit of five."""

from prodev.checking import check
from prodev.probes.practice import (
    assert_properties,
    concurrency_summary,
    practice_api_fixture,
    requests_to,
)

api = practice_api_fixture(latency=0.15)


@check("q2", points=1)
def test_a_limit_of_one_is_sequential(student, api):
    ids = [7, 1, 19, 4]
    got = student.call("fetch_limited", api.url, ids, 1)
    assert_properties(got, ids, "fetch_limited")
    records = requests_to(api, "/api/properties/")
    most = max((r.in_flight for r in records), default=0)
    assert most == 1, f"with limit=1, {most} requests were in flight at once"


@check("q2", points=1)
def test_a_limit_of_five(student, api):
    ids = list(range(50, 65))
    got = student.call("fetch_limited", api.url, ids, 5)
    assert_properties(got, ids, "fetch_limited")
    records = requests_to(api, "/api/properties/")
    most = max((r.in_flight for r in records), default=0)
    assert 4 <= most <= 5, f"with limit=5 your requests ran {concurrency_summary(records)}"
