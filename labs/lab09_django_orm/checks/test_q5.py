"""Question 5: book_stay writes a booking and its payment atomically."""

import duckdb

from prodev.checking import check
from prodev.probes.orm import orm_call

COUNTS = "SELECT (SELECT count(*) FROM bookings), (SELECT count(*) FROM payments)"
NEWEST = (
    "SELECT b.booking_id, b.property_id, b.guest_id, b.start_date, b.end_date, b.nights, "
    "b.status, round(b.total_price, 2), round(p.amount, 2), p.method, p.status "
    "FROM bookings b LEFT JOIN payments p ON p.booking_id = b.booking_id "
    "WHERE b.start_date >= '2026-06-01' ORDER BY b.booking_id"
)


def a_confirmed_booking(dataset):
    con = duckdb.connect(str(dataset), read_only=True)
    try:
        row = con.execute(
            "SELECT b.property_id, b.guest_id, b.start_date, p.price_per_night "
            "FROM bookings b JOIN properties p USING (property_id) "
            "WHERE b.status = 'confirmed' AND b.nights >= 3 ORDER BY b.booking_id LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    return row[0], row[1], row[2].isoformat(), float(row[3])


@check("q5", points=1)
def test_books_a_free_stay(student, stayhub):
    property_id, guest_id, _, price = a_confirmed_booking(stayhub)
    call = orm_call(
        student,
        "book_stay",
        stayhub,
        guest_id,
        property_id,
        "2026-07-10",
        3,
        "paypal",
        snapshot=[COUNTS, NEWEST],
    )
    booking_id = call.result()
    assert isinstance(booking_id, int), (
        f"book_stay should return the new booking_id, not {booking_id!r}"
    )
    rows = call.after[1]
    assert len(rows) == 1, f"expected one new booking with its payment, found {len(rows)} rows"
    row = rows[0]
    assert row[0] == booking_id, "the returned id is not the new booking's id"
    assert row[1:7] == [property_id, guest_id, "2026-07-10", "2026-07-13", 3, "pending"], (
        f"the new booking is not right: {row[1:7]}"
    )
    assert round(row[7], 2) == round(3 * price, 2), "total_price should be nights * price_per_night"
    assert row[8:] == [row[7], "paypal", "pending"], (
        "the payment should exist, with amount = total_price, the method, status 'pending'"
    )


@check("q5", points=1)
def test_refuses_an_overlap_and_changes_nothing(student, stayhub):
    property_id, guest_id, start, _ = a_confirmed_booking(stayhub)
    call = orm_call(
        student,
        "book_stay",
        stayhub,
        guest_id,
        property_id,
        start,
        2,
        "stripe",
        snapshot=[COUNTS],
    )
    assert call.error is not None and call.error.startswith("ValueError"), (
        "booking nights that a confirmed booking holds should raise ValueError, "
        f"not {call.error or 'succeed'}"
    )
    assert call.after == call.before, "a refused booking changed the data"


@check("q5", points=1)
def test_a_failing_payment_leaves_no_booking(student, stayhub):
    property_id, guest_id, _, _ = a_confirmed_booking(stayhub)
    call = orm_call(
        student,
        "book_stay",
        stayhub,
        guest_id,
        property_id,
        "2026-08-01",
        2,
        "bitcoin",
        snapshot=[COUNTS, NEWEST],
    )
    assert call.error is not None, "a payment with the method 'bitcoin' should fail and raise"
    assert call.after == call.before, (
        "the payment failed but the data changed: a booking without its payment was left "
        "behind, so the two writes did not succeed or fail as one"
    )
