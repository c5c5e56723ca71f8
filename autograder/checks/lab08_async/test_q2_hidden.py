"""Question 2, hidden: a limit of one, and a limit of five under uneven latency."""

from prodev.checking import check
from prodev.probes.practice import (
    assert_properties,
    concurrency_summary,
    idle_share,
    practice_api_fixture,
    requests_to,
)

api = practice_api_fixture(latency=(0.15, 2.7), switch_seed=3)  # long next to hand-overs
MOST_IDLE = 0.25  # as in the public check


@check("q2", points=1)
def test_a_limit_of_one_is_sequential(student, api):
    ids = [7, 1, 19, 4]
    got = student.call("fetch_limited", api.url, ids, 1)
    assert_properties(got, ids, "fetch_limited")
    records = requests_to(api, "/api/properties/")
    most = max((r.in_flight for r in records), default=0)
    assert most == 1, f"{most} requests were in flight at once although the limit was 1"


@check("q2", points=1)
def test_a_limit_of_five(student, api):
    ids = list(range(50, 65))
    got = student.call("fetch_limited", api.url, ids, 5)
    assert_properties(got, ids, "fetch_limited")
    records = requests_to(api, "/api/properties/")
    most = max((r.in_flight for r in records), default=0)
    assert most == 5, f"with limit=5 your requests ran {concurrency_summary(records)}"
    assert idle_share(records, 5) <= MOST_IDLE, (
        "with limit=5, slots stood empty while ids were waiting to be fetched"
    )
