"""Question 5: review_counts shares the work between `workers` consumers of a queue."""

import httpx

from prodev.checking import check
from prodev.probes.practice import concurrency_summary, requests_to

IDS = [3, 8, 15, 22, 4, 9, 30, 11, 6]
WORKERS = 3


def expected_counts(api, ids):
    counts = {}
    with api.switched(latency=None):  # the check's own look-ups need no latency
        for i in ids:
            page = httpx.get(f"{api.url}/api/reviews/", params={"property_id": i, "page_size": 1})
            counts[str(i)] = page.json()["count"]
    return counts


@check("q5", points=1)
def test_counts_the_reviews(student, api):
    got = student.call("review_counts", api.url, IDS, WORKERS)
    assert isinstance(got, dict), f"review_counts should return a dict, not {type(got).__name__}"
    assert sorted(got) == sorted(str(i) for i in IDS), (
        f"expected one entry per property id ({len(IDS)}), got {len(got)}"
    )
    wrong = [k for k, v in expected_counts(api, IDS).items() if got[k] != v]
    assert not wrong, (
        f"the counts of properties {wrong} are not the `count` the API reports for them"
    )


@check("q5", points=1)
def test_runs_exactly_the_workers_asked(student, api):
    student.call("review_counts", api.url, IDS, WORKERS)
    records = requests_to(api, "/api/reviews/")
    assert len(records) == len(IDS), (
        f"the API saw {len(records)} requests for {len(IDS)} properties: some were asked for "
        "more than once, or not at all"
    )
    most = max(r.in_flight for r in records)
    assert most == WORKERS, (
        f"with workers={WORKERS}, your requests ran {concurrency_summary(records)}: the number "
        "of requests running at a time did not follow `workers`"
    )
