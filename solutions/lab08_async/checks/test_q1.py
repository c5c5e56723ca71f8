"""Question 1: fetch_properties gets every property, in order, concurrently."""

from prodev.checking import check
from prodev.probes.practice import assert_properties, concurrency_summary, requests_to

IDS = [5, 3, 9, 1, 12, 7, 2, 10]


@check("q1", points=1)
def test_returns_the_properties_in_the_order_asked(student, api):
    got = student.call("fetch_properties", api.url, IDS)
    assert_properties(got, IDS, "fetch_properties")
    assert None not in got, "fetch_properties returned None for a property that exists"


@check("q1", points=1)
def test_requests_overlap(student, api):
    student.call("fetch_properties", api.url, IDS)
    records = requests_to(api, "/api/properties/")
    assert len(records) == len(IDS), f"the API saw {len(records)} requests for {len(IDS)} ids"
    most = max(r.in_flight for r in records)
    assert most >= len(IDS) // 2, (
        f"your requests barely overlapped ({concurrency_summary(records)}): each one waited "
        "for others to finish before it started"
    )
