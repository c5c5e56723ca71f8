"""The keyset kit's model of a lazy walk (how many pages it needs) and its diagnosis of a walk,
which lab 01's question 7 checks compare a student's walk with."""

from prodev.probes.keyset import pages_for, repeated_pages, walk_problems

# Two bookings on day 1, three on day 2, one on day 3.
KEYS = [("d1", 1), ("d1", 2), ("d2", 3), ("d2", 4), ("d2", 5), ("d3", 6)]


def test_pages_for_a_whole_walk_restarts_each_page_at_the_last_day():
    # Pages of 4: [1 2 3 4], then from d2: [3 4 5 6] (5 and 6 are new), then from d3: [6],
    # a short page, the last.
    assert pages_for(KEYS, "d1", 4, take=None) == 3


def test_pages_for_stops_as_soon_as_enough_were_yielded():
    assert pages_for(KEYS, "d1", 4, take=4) == 1
    assert pages_for(KEYS, "d1", 4, take=5) == 2
    assert pages_for(KEYS, "d9", 4, take=None) == 1  # an empty first page is the last


def test_pages_for_stops_on_a_full_page_with_nothing_new():
    # A day with page_size bookings: the inclusive filter cannot get past it.
    assert pages_for(KEYS, "d1", 3, take=None) == 3


def test_walk_problems_name_the_kind_of_error_without_the_ids():
    assert walk_problems([1, 2, 3], [("d", 1), ("d", 2), ("d", 3)]) == ""
    assert walk_problems([1, 2, 2, 3], [("d", 1), ("d", 2), ("d", 3)]) == "1 booking(s) came twice"
    assert walk_problems([1, 3], [("d", 1), ("d", 2), ("d", 3)]) == "1 booking(s) never came"
    assert "order" in walk_problems([2, 1, 3], [("d", 1), ("d", 2), ("d", 3)])
    assert "should not" in walk_problems([1, 2, 3, 9], [("d", 1), ("d", 2), ("d", 3)])


def test_repeated_pages_counts_identical_requests():
    page = {"start_after": "d1", "page_size": "3"}
    assert repeated_pages([page, {"start_after": "d2", "page_size": "3"}]) == 0
    assert repeated_pages([page, dict(page)]) == 1
