"""Question 3, hidden: itineraries of other guests on unseen data, within the budget. The busy
guest's data gets the traps the question names, planted by the grader before the call: two
bookings that start the same day (the later id stored first), a booking with several completed
payments beside a refunded and a failed one, a booking without any payment, one without a
review."""

import duckdb

from prodev.checking import check
from prodev.probes.orm import orm_call

KEYS = ["booking_id", "start_date", "status", "property", "city", "host", "paid", "rating"]

# The itinerary the question asks for, read by the grader (as the admin) before the call.
EXPECTED = """
SELECT b.booking_id, b.start_date, b.status, p.name, p.city, h.email,
       round(coalesce((SELECT sum(amount) FROM payments m
                       WHERE m.booking_id = b.booking_id AND m.status = 'completed'), 0), 2),
       (SELECT rating FROM reviews r WHERE r.booking_id = b.booking_id)
FROM bookings b
JOIN properties p ON p.property_id = b.property_id
JOIN users h ON h.user_id = p.host_id
WHERE b.guest_id = {guest} ORDER BY b.start_date, b.booking_id
"""


def nth_booking(guest: int, n: int) -> str:
    """SQL for the id of the guest's n-th booking by id (0 is the first)."""
    return (
        f"(SELECT booking_id FROM bookings WHERE guest_id = {guest} "
        f"ORDER BY booking_id LIMIT 1 OFFSET {n})"
    )


def traps(guest: int) -> list[str]:
    """Rows the dataset may lack, planted for `guest` (who has many bookings)."""
    return [
        # Same start day: the guest's first booking moves to the day their last one starts. An
        # UPDATE stores the new row version last, so without the tie-break the order is luck.
        f"UPDATE bookings b SET start_date = t.start_date, end_date = t.start_date + b.nights "
        f"FROM (SELECT start_date FROM bookings WHERE guest_id = {guest} "
        f"ORDER BY booking_id DESC LIMIT 1) t WHERE b.booking_id = {nth_booking(guest, 0)}",
        # Several completed payments, and others that are not paid money.
        "INSERT INTO payments (booking_id, amount, method, status, paid_at) "
        f"SELECT {nth_booking(guest, 1)}, a, 'paypal', s, TIMESTAMP '2025-01-02' "
        "FROM (VALUES (12.50, 'completed'), (7.25, 'completed'), (40.00, 'refunded'), "
        "(3.00, 'failed')) v(a, s)",
        f"DELETE FROM payments WHERE booking_id = {nth_booking(guest, 2)}",
        f"DELETE FROM reviews WHERE booking_id = {nth_booking(guest, 3)}",
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
    busy, *others = guests(stayhub_unseen)
    for guest in [busy, *others]:
        call = orm_call(
            student,
            "guest_itinerary",
            stayhub_unseen,
            guest,
            writes=False,
            prepare=traps(guest) if guest == busy else (),
            snapshot=[EXPECTED.format(guest=int(guest))],
        )
        got, want = call.result(), call.before[0]
        assert isinstance(got, list) and len(got) == len(want), (
            "on other data, a guest's itinerary does not have one dict per booking"
        )
        rows = [[t.get(k) for k in KEYS] for t in got if isinstance(t, dict)]
        rows = [r[:6] + [round(float(r[6] or 0), 2), r[7]] for r in rows]
        assert sorted(r[0] for r in rows) == sorted(w[0] for w in want), (
            "on other data, the itinerary holds other bookings than the guest's"
        )
        assert [r[0] for r in rows] == [w[0] for w in want], (
            "on other data, two bookings that start the same day are not in booking_id order"
        )
        paid = {w[0]: w[6] for w in want}
        assert all(r[6] == paid[r[0]] for r in rows), (
            "on other data, 'paid' is wrong for a booking with several completed payments "
            "besides refunded and failed ones, or with no payment at all"
        )
        assert rows == want, (
            "on other data, a trip's date, status, property, city, host or rating (None "
            "without a review) is wrong"
        )
        call.within_budget(3, "guest_itinerary")
