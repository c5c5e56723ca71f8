"""Question 4: first_bookings reads pages lazily through the async generator iter_bookings."""

import math

import httpx

from prodev.checking import check
from prodev.probes.practice import requests_to

N, PAGE_SIZE = 25, 10


def expected_ids(api, n):
    with api.switched(latency=None):  # the check's own look-up needs no latency
        page = httpx.get(
            f"{api.url}/api/bookings/", params={"ordering": "booking_id", "page_size": n}
        )
    return [b["booking_id"] for b in page.json()["results"]]


@check("q4", points=1)
def test_returns_the_first_bookings(student, api):
    got = student.call("first_bookings", api.url, N, PAGE_SIZE)
    assert isinstance(got, list), f"first_bookings should return a list, not {type(got).__name__}"
    ids = [b.get("booking_id") if isinstance(b, dict) else None for b in got]
    assert len(ids) == N, f"expected {N} bookings, got {len(ids)}"
    assert ids == expected_ids(api, N), (
        "these are not the first bookings in booking_id order, page after page"
    )


@check("q4", points=1)
def test_reads_only_the_pages_it_needs(student, api):
    student.call("first_bookings", api.url, N, PAGE_SIZE)
    pages = len(requests_to(api, "/api/bookings/"))
    needed = math.ceil(N / PAGE_SIZE)
    assert pages == needed, (
        f"{N} bookings in pages of {PAGE_SIZE} need {needed} requests; yours made {pages}: "
        "pages were asked for before the bookings already in hand were used up, or after enough"
    )
