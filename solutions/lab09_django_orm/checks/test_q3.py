"""Question 3: guest_itinerary without N+1 queries."""

import duckdb

from prodev.checking import check, fingerprint
from prodev.probes.orm import orm_call

KEYS = ["booking_id", "start_date", "status", "property", "city", "host", "paid", "rating"]
# The busiest guest of the public dataset, and the fingerprint of their itinerary.
DIGEST = "362c3f2436855377"


def busiest_guest(dataset):
    con = duckdb.connect(str(dataset), read_only=True)
    try:
        return con.execute(
            "SELECT guest_id, count(*) FROM bookings GROUP BY ALL ORDER BY 2 DESC, 1 LIMIT 1"
        ).fetchone()
    finally:
        con.close()


@check("q3", points=1)
def test_itinerary(student, stayhub):
    guest, trips = busiest_guest(stayhub)
    got = orm_call(student, "guest_itinerary", stayhub, guest, writes=False).result()
    assert isinstance(got, list), "guest_itinerary should return a list of dicts"
    assert len(got) == trips, f"guest {guest} has {trips} bookings; got {len(got)} dicts"
    assert all(isinstance(t, dict) and sorted(t) == sorted(KEYS) for t in got), (
        f"each dict should have exactly the keys {KEYS}"
    )
    rows = [[t[k] for k in KEYS] for t in got]
    assert fingerprint(rows, ordered=True) == DIGEST, (
        "the itinerary is not right: check the order (start_date, then booking_id), the host's "
        "email, 'paid' (completed payments only) and 'rating' (None without a review)"
    )


@check("q3", points=1)
def test_three_queries_whatever_the_number_of_bookings(student, stayhub):
    guest, trips = busiest_guest(stayhub)
    call = orm_call(student, "guest_itinerary", stayhub, guest, writes=False)
    call.result()
    call.within_budget(3, f"guest_itinerary for a guest with {trips} bookings")
