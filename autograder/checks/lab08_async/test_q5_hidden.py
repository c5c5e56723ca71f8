"""Question 5, hidden: one worker is one request at a time."""

import httpx

from prodev.checking import check
from prodev.probes.practice import idle_share, practice_api_fixture, requests_to

api = practice_api_fixture(latency=0.1)


@check("q5", points=1)
def test_one_worker(student, api):
    ids = [12, 5, 27, 40]
    got = student.call("review_counts", api.url, ids, 1)
    records = requests_to(api, "/api/reviews/")
    most = max((r.in_flight for r in records), default=0)
    with api.switched(latency=None):
        want = {
            str(i): httpx.get(
                f"{api.url}/api/reviews/", params={"property_id": i, "page_size": 1}
            ).json()["count"]
            for i in ids
        }
    assert got == want, "the review counts are not right"
    assert most == 1, f"{most} requests were in flight at once although workers was 1"


@check("q5", points=1)
def test_three_workers_under_uneven_latency(student, api):
    ids = [21, 3, 14, 38, 7, 29, 11, 25, 2, 33]
    # With this seed, batches of three would leave about 45% of the workers idle.
    with api.switched(latency=(0.05, 0.9), switch_seed=22):
        got = student.call("review_counts", api.url, ids, 3)
    records = requests_to(api, "/api/reviews/")
    assert isinstance(got, dict) and sorted(got) == sorted(str(i) for i in ids), (
        "review_counts did not return one count per property id"
    )
    most = max((r.in_flight for r in records), default=0)
    assert most == 3, f"with workers=3, {most} requests were in flight at most"
    assert idle_share(records, 3) <= 0.25, (
        "with workers=3, consumers stood idle while ids were still waiting in the queue"
    )
