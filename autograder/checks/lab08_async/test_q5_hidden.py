"""Question 5, hidden: one worker is one request at a time."""

import httpx

from prodev.checking import check
from prodev.probes.practice import practice_api_fixture, requests_to

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
    assert most == 1, f"with workers=1, {most} requests were in flight at once"
