"""Question 3, hidden: itineraries of other guests on unseen data, within the budget."""

import duckdb

from prodev.checking import check
from prodev.probes.orm import orm_call

KEYS = ["booking_id", "start_date", "status", "property", "city", "host", "paid", "rating"]


def expected(dataset, guest_id):
    con = duckdb.connect(str(dataset), read_only=True)
    try:
        rows = con.execute(
            """
            SELECT b.booking_id, b.start_date, b.status, p.name, p.city, h.email,
                   coalesce((SELECT sum(amount) FROM payments m
                             WHERE m.booking_id = b.booking_id AND m.status = 'completed'), 0),
                   (SELECT rating FROM reviews r WHERE r.booking_id = b.booking_id)
            FROM bookings b
            JOIN properties p ON p.property_id = b.property_id
            JOIN users h ON h.user_id = p.host_id
            WHERE b.guest_id = ? ORDER BY b.start_date, b.booking_id
            """,
            [guest_id],
        ).fetchall()
    finally:
        con.close()
    return [
        [r[0], r[1].isoformat(), r[2], r[3], r[4], r[5], round(float(r[6]), 2), r[7]] for r in rows
    ]


def guests(dataset):
    """A guest with many bookings, one with a single booking, and a user with none."""
    con = duckdb.connect(str(dataset), read_only=True)
    try:
        counts = con.execute(
            "SELECT u.user_id, count(b.booking_id) AS n FROM users u "
            "LEFT JOIN bookings b ON b.guest_id = u.user_id GROUP BY ALL ORDER BY n DESC, 1"
        ).fetchall()
    finally:
        con.close()
    one = next(u for u, n in counts if n == 1)
    none = next(u for u, n in counts if n == 0)
    return [counts[1][0], one, none]


@check("q3", points=1)
def test_unseen_guests(student, stayhub_unseen):
    for guest in guests(stayhub_unseen):
        call = orm_call(student, "guest_itinerary", stayhub_unseen, guest, writes=False)
        got = call.result()
        want = expected(stayhub_unseen, guest)
        assert isinstance(got, list) and len(got) == len(want), (
            "on other data, a guest's itinerary does not have one dict per booking"
        )
        rows = [[t.get(k) for k in KEYS] for t in got if isinstance(t, dict)]
        rows = [r[:6] + [round(float(r[6] or 0), 2), r[7]] for r in rows]
        assert rows == want, "on other data, a guest's itinerary is wrong"
        call.within_budget(3, "guest_itinerary")
