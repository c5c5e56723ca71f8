"""Question 7: `iter_bookings(api_url, start_after, page_size)` walks the practice API's bookings
with keyset pagination: each booking once, in order, a page at a time, whatever changes behind it.

The bookings walked are the check's own, added to the server's copy of the data years after the
dataset's last day; which pages the walk asked for is read from the server's request log.
"""

import pytest

from prodev import probes
from prodev.checking import check
from prodev.probes import keyset
from prodev.probes.practice import practice_api_fixture

api = practice_api_fixture()

FIRST_DAY = "2031-03-01"
PER_DAY = [2, 4, 1, 3, 3]  # 13 bookings: in pages of 5 the second day's four straddle a boundary
PAGE_SIZE = 5


@pytest.fixture
def bookings(api):
    keys = keyset.add_bookings(FIRST_DAY, PER_DAY)
    api.clear_requests()
    return keys


def walk(student, api, take="all"):
    got = probes.probe_call(
        student, "iter_bookings", api.url, FIRST_DAY, PAGE_SIZE, take=take, close=True
    )
    assert got["iterator"], "`iter_bookings` should be a generator: `yield` the bookings"
    return keyset.ids_of(got["value"], "iter_bookings")


@check("q7", points=1)
def test_every_booking_once_in_order(student, api, bookings):
    problems = keyset.walk_problems(walk(student, api), bookings)
    assert not problems, (
        f"walking {len(bookings)} bookings in pages of {PAGE_SIZE}: {problems}. Several "
        "bookings start on the same day, some on both sides of a page boundary: does the "
        "position your walk remembers tell apart two bookings of one day?"
    )


@check("q7", points=1)
def test_asks_for_each_page_once_and_only_when_needed(student, api, bookings):
    walk(student, api, take=7)
    pages = keyset.pages_asked(api)
    needed = keyset.pages_for(bookings, FIRST_DAY, PAGE_SIZE, take=7)
    others = keyset.other_requests(api)
    assert not others, (
        f"besides the pages of /api/bookings/, your walk made {len(others)} other request(s) "
        f"({', '.join(sorted(set(others))[:3])}): fetch the bookings only page by page"
    )
    sizes = keyset.wrong_page_sizes(pages, PAGE_SIZE)
    assert not sizes, (
        f"asked for pages of {PAGE_SIZE}, your walk requested page_size={sizes[0] or '(none)'}: "
        "send the page size you were given with every request"
    )
    assert keyset.repeated_pages(pages) == 0, (
        "your walk asked for the same page twice: each page should be requested once"
    )
    assert len(pages) == needed, (
        f"taking 7 bookings in pages of {PAGE_SIZE} made {len(pages)} requests where "
        f"{needed} were enough: ask for the next page only when the bookings of the current "
        "one have all been yielded"
    )


@check("q7", points=1)
def test_a_booking_added_behind_the_walk_changes_nothing(student, api, bookings):
    # Once the first page is ready, a guest books the first day: a page the walk has passed.
    with keyset.after_page(api, 1, lambda: keyset.insert_booking(FIRST_DAY, 9)):
        got = walk(student, api)
    problems = keyset.walk_problems(got, bookings)
    assert not problems, (
        f"a booking was added to a page your walk had already passed, and then {problems}. "
        "Page numbers and offsets count rows from the start, so every later page moves when "
        "one is added before it; where a keyset walk goes on from does not move"
    )
