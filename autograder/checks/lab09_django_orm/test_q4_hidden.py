"""Question 4, hidden: a larger batch on unseen data, and an empty batch."""

import duckdb

from prodev.checking import check
from prodev.probes.orm import orm_call

NEW_REVIEWS = (
    "SELECT booking_id, property_id, guest_id, rating, comment FROM reviews "
    "WHERE created_at >= '2026-01-01' ORDER BY booking_id"
)


@check("q4", points=1)
def test_unseen_batch(student, stayhub_unseen):
    con = duckdb.connect(str(stayhub_unseen), read_only=True)
    try:
        open_ = con.execute(
            "SELECT booking_id, property_id, guest_id FROM bookings b WHERE NOT EXISTS "
            "(SELECT 1 FROM reviews r WHERE r.booking_id = b.booking_id) "
            "ORDER BY booking_id LIMIT 120"
        ).fetchall()
    finally:
        con.close()
    rows = [[b, 5 - b % 5, None if b % 3 else "ok"] for b, _, _ in open_]
    want = [[b, p, g, 5 - b % 5, None if b % 3 else "ok"] for b, p, g in open_]
    call = orm_call(student, "import_reviews", stayhub_unseen, rows, snapshot=[NEW_REVIEWS])
    assert call.result() == len(want), "on other data, the number of reviews created is wrong"
    assert call.after[0] == want, "on other data, the reviews created are not right"
    call.within_budget(3, "import_reviews for 120 rows")
    empty = orm_call(student, "import_reviews", stayhub_unseen, [])
    assert empty.result() == 0, "an empty batch should create nothing and return 0"
