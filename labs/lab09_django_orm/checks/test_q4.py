"""Question 4: import_reviews with bulk operations, within a query budget."""

import duckdb

from prodev.checking import check
from prodev.probes.orm import orm_call

NEW_REVIEWS = (
    "SELECT booking_id, property_id, guest_id, rating, comment FROM reviews "
    "WHERE created_at >= '2026-01-01' ORDER BY booking_id"
)
COUNT = "SELECT count(*) FROM reviews"


def batch(dataset, fresh: int):
    """`fresh` unreviewed bookings, two reviewed ones, a missing one and a repeat."""
    con = duckdb.connect(str(dataset), read_only=True)
    try:
        open_ = con.execute(
            "SELECT booking_id, property_id, guest_id FROM bookings b WHERE NOT EXISTS "
            "(SELECT 1 FROM reviews r WHERE r.booking_id = b.booking_id) ORDER BY 1 DESC LIMIT ?",
            [fresh],
        ).fetchall()
        done = [
            r[0]
            for r in con.execute("SELECT booking_id FROM reviews ORDER BY 1 LIMIT 2").fetchall()
        ]
    finally:
        con.close()
    rows = [[b, 1 + b % 5, f"stay {b}"] for b, _, _ in open_]
    rows += [[done[0], 5, "again"], [10_000_000, 4, "no such booking"], [done[1], 2, "again"]]
    rows.append([open_[0][0], 1, "a repeat"])
    expected = [[b, p, g, 1 + b % 5, f"stay {b}"] for b, p, g in sorted(open_)]
    return rows, expected


def refused_repeat(call):
    """Fail with the cause when the database refused a second review of one booking."""
    error = call.error or ""
    assert not (error.startswith("IntegrityError") and "booking_id" in error), (
        "PostgreSQL refused the batch: it would give a booking a second review (a booking has at "
        "most one: reviews.booking_id is UNIQUE). The batch names bookings reviewed already and "
        "a booking twice; the whole insert was rolled back"
    )


def run(student, dataset, fresh):
    rows, expected = batch(dataset, fresh)
    call = orm_call(student, "import_reviews", dataset, rows, snapshot=[COUNT, NEW_REVIEWS])
    refused_repeat(call)
    created = call.result()
    assert created == len(expected), (
        f"import_reviews returned {created!r} for a batch with {len(expected)} new reviews: skip "
        "missing bookings, reviewed bookings and repeats, and return how many you created"
    )
    assert call.after[0][0][0] - call.before[0][0][0] == len(expected), (
        f"the reviews table grew by {call.after[0][0][0] - call.before[0][0][0]} rows; "
        f"expected {len(expected)}"
    )
    assert call.after[1] == expected, (
        "the new reviews are not right: booking, property and guest from the booking, the row's "
        "rating and comment, created_at 2026-01-01"
    )
    return call


@check("q4", points=1)
def test_creates_the_right_reviews(student, stayhub):
    run(student, stayhub, 10)


@check("q4", points=1)
def test_three_queries_for_fifty_rows(student, stayhub):
    call = run(student, stayhub, 50)
    call.within_budget(3, "import_reviews for 54 rows")
