"""Question 4, hidden: exactly one page, and small pages."""

import httpx

from prodev.checking import check
from prodev.probes.practice import practice_api_fixture, requests_to

api = practice_api_fixture(latency=0.1)


def first_ids(api, n):
    with api.switched(latency=None):
        page = httpx.get(
            f"{api.url}/api/bookings/", params={"ordering": "booking_id", "page_size": n}
        )
    return [b["booking_id"] for b in page.json()["results"]]


@check("q4", points=1)
def test_one_full_page_is_one_request(student, api):
    got = student.call("first_bookings", api.url, 10, 10)
    pages = len(requests_to(api, "/api/bookings/"))
    assert [b.get("booking_id") for b in got] == first_ids(api, 10), "not the first 10 bookings"
    assert pages == 1, f"10 bookings in pages of 10 need one request; yours made {pages}"


@check("q4", points=1)
def test_small_pages(student, api):
    got = student.call("first_bookings", api.url, 7, 3)
    pages = len(requests_to(api, "/api/bookings/"))
    assert [b.get("booking_id") for b in got] == first_ids(api, 7), "not the first 7 bookings"
    assert pages == 3, f"7 bookings in pages of 3 need 3 requests; yours made {pages}"
