"""Question 7, hidden: faithful_reviewers on unseen data, in one query. The grader plants the
traps the question names before the call: a reviewer's latest booking is a cancelled one in
another city, another's a pending one (neither needs a review, and neither is a stay); a
confirmed stay that starts the same day as a reviewer's latest, in another city, with the higher
booking_id (stored first, so that the order of the two is not left to luck); a reviewer who
loses one review; and a guest with an unreviewed confirmed stay whose cancelled booking has a
review (as many reviews as stays, but not one for each)."""

import duckdb

from prodev.checking import check
from prodev.probes.orm import orm_call

# The guests the question asks for, read by the grader (as the admin) before the call.
EXPECTED = """
SELECT u.user_id, u.email, s.stays,
       (SELECT p.city FROM bookings b JOIN properties p ON p.property_id = b.property_id
        WHERE b.guest_id = u.user_id AND b.status = 'confirmed'
        ORDER BY b.start_date DESC, b.booking_id DESC LIMIT 1)
FROM users u
CROSS JOIN LATERAL (SELECT count(*) AS stays FROM bookings b
                    WHERE b.guest_id = u.user_id AND b.status = 'confirmed') s
WHERE s.stays >= {min_stays}
  AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.guest_id = u.user_id
                  AND b.status = 'confirmed'
                  AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.booking_id = b.booking_id))
ORDER BY s.stays DESC, u.user_id
"""
MIN_STAYS = 2

# Qualifying guests of the unseen dataset with at least 3 stays, and their latest stay.
REVIEWERS = """
SELECT b.guest_id, max(b.start_date), arg_max(p.city, (b.start_date, b.booking_id))
FROM bookings b JOIN properties p USING (property_id)
WHERE b.status = 'confirmed'
GROUP BY 1
HAVING count(*) >= 3 AND count(*) = count(*) FILTER (
    WHERE EXISTS (SELECT 1 FROM reviews r WHERE r.booking_id = b.booking_id))
ORDER BY 1
"""
# A guest with one unreviewed confirmed stay among at least two, and no cancelled booking.
ONE_SHORT = """
SELECT b.guest_id FROM bookings b
GROUP BY 1
HAVING count(*) FILTER (WHERE status = 'confirmed') >= 2
   AND count(*) FILTER (WHERE status <> 'confirmed') = 0
   AND count(*) FILTER (WHERE NOT EXISTS (
       SELECT 1 FROM reviews r WHERE r.booking_id = b.booking_id)) = 1
ORDER BY 1 LIMIT 1
"""


def elsewhere(city: str) -> str:
    """SQL for a property in another city than `city`."""
    quoted = city.replace("'", "''")
    return (
        f"(SELECT property_id FROM properties WHERE city <> '{quoted}' "
        "ORDER BY property_id LIMIT 1)"
    )


def booking(guest: int, city: str, start: str, status: str) -> str:
    return (
        "INSERT INTO bookings (property_id, guest_id, start_date, end_date, nights, status, "
        f"total_price, created_at) SELECT {elsewhere(city)}, {guest}, DATE '{start}', "
        f"DATE '{start}' + 2, 2, '{status}', 200, TIMESTAMPTZ '2025-12-01 12:00+00'"
    )


def review_of_newest(guest: int) -> str:
    """A review of the guest's newest booking (by id)."""
    return (
        "INSERT INTO reviews (booking_id, property_id, guest_id, rating, comment, created_at) "
        "SELECT booking_id, property_id, guest_id, 4, NULL, TIMESTAMPTZ '2025-12-20 12:00+00' "
        f"FROM bookings WHERE guest_id = {guest} ORDER BY booking_id DESC LIMIT 1"
    )


def traps(dataset) -> list[str]:
    con = duckdb.connect(str(dataset), read_only=True)
    try:
        reviewers = con.execute(REVIEWERS).fetchall()
        (one_short,) = con.execute(ONE_SHORT).fetchone()
    finally:
        con.close()
    (late_cancel, _, city_a), (late_pending, _, city_b), (tied, day, city_c) = reviewers[:3]
    loses_review = reviewers[3][0]
    latest_of_tied = (
        f"(SELECT booking_id FROM bookings WHERE guest_id = {tied} AND status = 'confirmed' "
        f"AND start_date = DATE '{day}' ORDER BY booking_id DESC LIMIT 1)"
    )
    return [
        booking(late_cancel, city_a, "2026-03-01", "cancelled"),
        booking(late_pending, city_b, "2026-04-01", "pending"),
        # The tie: the new stay has the higher id; rewriting the older row stores it after.
        booking(tied, city_c, str(day), "confirmed"),
        review_of_newest(tied),
        f"UPDATE bookings SET nights = nights WHERE booking_id = {latest_of_tied}",
        "DELETE FROM reviews WHERE review_id = (SELECT r.review_id FROM reviews r "
        f"WHERE r.guest_id = {loses_review} ORDER BY r.booking_id LIMIT 1)",
        booking(one_short, "", "2026-05-01", "cancelled"),
        review_of_newest(one_short),
    ]


@check("q7", points=2)
def test_unseen_guests_with_traps(student, stayhub_unseen):
    call = orm_call(
        student,
        "faithful_reviewers",
        stayhub_unseen,
        MIN_STAYS,
        writes=False,
        prepare=traps(stayhub_unseen),
        snapshot=[EXPECTED.format(min_stays=MIN_STAYS)],
    )
    got, want = call.result(), call.before[0]
    assert isinstance(got, list) and all(isinstance(r, list) and len(r) == 4 for r in got), (
        "on other data, faithful_reviewers does not return [user_id, email, stays, last_city] rows"
    )
    ids, wanted = [r[0] for r in got], [w[0] for w in want]
    assert sorted(ids, key=repr) == sorted(wanted, key=repr), (
        "on other data, the guests are not the right ones: a pending or cancelled booking needs "
        "no review, every confirmed one does (as many reviews as stays is not one for each)"
    )
    assert [r[:3] for r in got] == [w[:3] for w in want], (
        "on other data, a guest's number of stays or the order (most stays, then user_id) is "
        "wrong: only confirmed bookings are stays"
    )
    assert got == want, (
        "on other data, a last_city is wrong: the latest confirmed stay counts, not a later "
        "pending or cancelled booking, and of two stays that start the same day the higher "
        "booking_id"
    )
    call.within_budget(1, f"faithful_reviewers({MIN_STAYS}) on other data")
