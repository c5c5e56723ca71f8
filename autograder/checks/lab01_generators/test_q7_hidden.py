"""Question 7, hidden: ties on both sides of two boundaries, a page size that divides the total,
a range with no bookings, a booking deleted behind the walk, and a walk that stops on a page's
last booking."""

import pytest

from prodev import probes
from prodev.checking import check
from prodev.probes import keyset
from prodev.probes.practice import practice_api_fixture

api = practice_api_fixture()

FIRST_DAY = "2033-07-14"
PER_DAY = [1, 2, 3, 2, 3, 1]  # 12 bookings in pages of 4: days 3 and 5 straddle page ends
PAGE_SIZE = 4
NO_BOOKINGS_FROM = "2034-01-01"


@pytest.fixture
def bookings(api):
    keys = keyset.add_bookings(FIRST_DAY, PER_DAY)
    api.clear_requests()
    return keys


def walk(student, api, since=FIRST_DAY, take="all"):
    got = probes.probe_call(
        student, "iter_bookings", api.url, since, PAGE_SIZE, take=take, close=True
    )
    return keyset.ids_of(got["value"], "iter_bookings")


@check("q7", points=1)
def test_full_last_page_and_empty_range(student, api, bookings):
    problems = keyset.walk_problems(walk(student, api), bookings)
    assert not problems, f"on bookings the walk had not seen before: {problems}"
    pages = keyset.pages_asked(api)
    assert not keyset.other_requests(api), "the walk made requests other than pages of bookings"
    assert not keyset.wrong_page_sizes(pages, PAGE_SIZE), (
        "the walk did not ask for the given page size"
    )
    assert keyset.repeated_pages(pages) == 0, "the walk asked for the same page twice"
    assert len(pages) <= keyset.pages_for(bookings, FIRST_DAY, PAGE_SIZE, take=None), (
        "the walk asked for more pages than it needed"
    )
    api.clear_requests()
    assert walk(student, api, since=NO_BOOKINGS_FROM) == [], (
        "a walk from a day with no bookings on or after it should yield nothing"
    )
    assert len(keyset.pages_asked(api)) == 1, (
        "a walk whose first page is empty should stop after that one request"
    )


@check("q7", points=1)
def test_a_booking_deleted_behind_the_walk_and_a_stop_at_a_page_end(student, api, bookings):
    first_booking = bookings[0][1]
    # Once the second page is ready, the first booking (long yielded) is cancelled and deleted.
    with keyset.after_page(api, 2, lambda: keyset.delete_booking(first_booking)):
        got = walk(student, api)
    problems = keyset.walk_problems(got, bookings)
    assert not problems, f"a booking was deleted from a page the walk had passed: {problems}"
    api.clear_requests()
    walk(student, api, take=PAGE_SIZE)
    asked = len(keyset.pages_asked(api))
    assert asked == 1, (
        f"taking exactly one page's worth of bookings made {asked} requests: ask for the next "
        "page only when a booking from it is wanted"
    )
