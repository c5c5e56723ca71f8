"""Question 5: review_counts shares the work between `workers` consumers of a queue, each taking
the next id as soon as it is free (checked under uneven latency)."""

import httpx

from prodev.checking import check
from prodev.probes.practice import concurrency_summary, idle_share, requests_to

IDS = [3, 8, 15, 22, 4, 9, 30, 11, 6]
WORKERS = 3
UNEVEN = (0.05, 0.8)  # seconds: a fast request finishes while slow ones are still out
MOST_IDLE = 0.25  # share of the workers that may stand idle: hand-overs take a few ms each, more
# on a busy machine; batches leave over 35% idle


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
    with api.switched(latency=UNEVEN):
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
    idle = idle_share(records, WORKERS)
    assert idle <= MOST_IDLE, (
        f"while ids were still waiting, {idle:.0%} of the {WORKERS} workers stood idle: a worker "
        "that finished early did not take the next id until slower ones had finished too"
    )
