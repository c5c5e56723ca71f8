"""Question 4, hidden: a larger batch on unseen data with every kind of row the question names
(reviewed bookings, missing bookings, a booking named twice with different ratings), ratings at
both ends of the scale, comments that are NULL; and an empty batch."""

import duckdb

from prodev.checking import check
from prodev.probes.orm import orm_call

NEW_REVIEWS = (
    "SELECT booking_id, property_id, guest_id, rating, comment FROM reviews "
    "WHERE created_at >= '2026-01-01' ORDER BY booking_id"
)
COUNT = "SELECT count(*) FROM reviews"
MISSING = 2_000_000_000  # no such booking (an integer column still accepts it)


def batch(dataset):
    """120 unreviewed bookings; between them, reviewed bookings, missing ones, and repeats of
    new ones whose later rows differ (the first row of a booking is the one to keep)."""
    con = duckdb.connect(str(dataset), read_only=True)
    try:
        open_ = con.execute(
            "SELECT booking_id, property_id, guest_id FROM bookings b WHERE NOT EXISTS "
            "(SELECT 1 FROM reviews r WHERE r.booking_id = b.booking_id) "
            "ORDER BY booking_id LIMIT 120"
        ).fetchall()
        reviewed = [
            r[0]
            for r in con.execute(
                "SELECT booking_id FROM reviews ORDER BY booking_id DESC LIMIT 3"
            ).fetchall()
        ]
    finally:
        con.close()
    rows = [[b, 5 - b % 5, None if b % 3 else "ok"] for b, _, _ in open_]
    want = [[b, p, g, 5 - b % 5, None if b % 3 else "ok"] for b, p, g in open_]
    # A repeat right after its first row, one far from it, and one of a booking with a NULL
    # comment, each with another rating and comment.
    repeats = [open_[0][0], open_[1][0], next(b for b, _, _ in open_ if b % 3)]
    rows.insert(1, [repeats[0], 1 if rows[0][1] != 1 else 2, "sent again"])
    rows.append([repeats[1], 3 if rows[2][1] != 3 else 4, None])
    rows.insert(60, [repeats[2], 5, "second thoughts"])
    rows[30:30] = [[reviewed[0], 1, "again"], [MISSING, 5, None], [reviewed[1], 2, None]]
    rows.append([reviewed[2], 4, "again"])
    rows.append([MISSING + 1, 3, "gone"])
    return rows, want


@check("q4", points=1)
def test_unseen_batch(student, stayhub_unseen):
    rows, want = batch(stayhub_unseen)
    call = orm_call(student, "import_reviews", stayhub_unseen, rows, snapshot=[COUNT, NEW_REVIEWS])
    error = call.error or ""
    assert not (error.startswith("IntegrityError") and "booking_id" in error), (
        "on other data, PostgreSQL refused the batch: it would give a booking a second review "
        "(reviews.booking_id is UNIQUE); that batch names reviewed bookings and some bookings "
        "more than once"
    )
    assert call.result() == len(want), "on other data, the number of reviews created is wrong"
    assert call.after[0][0][0] - call.before[0][0][0] == len(want), (
        "on other data, the reviews table did not grow by the number of reviews created"
    )
    got = {r[0]: r for r in call.after[1]}
    assert sorted(got) == [w[0] for w in want], (
        "on other data, reviews were created for the wrong bookings"
    )
    assert [got[w[0]][3:] for w in want] == [w[3:] for w in want], (
        "on other data, a booking named more than once in the batch got the rating and comment "
        "of a later row, not of its first (or a rating or a NULL comment was changed)"
    )
    assert call.after[1] == want, "on other data, a review's property or guest is not its booking's"
    call.within_budget(3, f"import_reviews for {len(rows)} rows")
    empty = orm_call(student, "import_reviews", stayhub_unseen, [])
    assert empty.result() == 0, "an empty batch should create nothing and return 0"
