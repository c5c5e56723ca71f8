"""Question 5, hidden: back-to-back stays, cancelled and pending bookings, on unseen data."""

import datetime as dt

import duckdb

from prodev.checking import check
from prodev.probes.orm import orm_call

COUNTS = "SELECT (SELECT count(*) FROM bookings), (SELECT count(*) FROM payments)"


def booking_with(dataset, status):
    con = duckdb.connect(str(dataset), read_only=True)
    try:
        row = con.execute(
            "SELECT b.property_id, b.guest_id, b.start_date, b.end_date FROM bookings b "
            "WHERE b.status = ? AND b.nights >= 2 AND NOT EXISTS ("
            "  SELECT 1 FROM bookings o WHERE o.property_id = b.property_id "
            "  AND o.booking_id <> b.booking_id AND o.status <> 'cancelled' "
            "  AND o.start_date < b.end_date + 3 AND o.end_date > b.start_date - 3) "
            "ORDER BY b.booking_id LIMIT 1",
            [status],
        ).fetchone()
    finally:
        con.close()
    return row[0], row[1], row[2], row[3]


@check("q5", points=1)
def test_edges_on_unseen_data(student, stayhub_unseen):
    data = stayhub_unseen
    prop, guest, start, end = booking_with(data, "confirmed")
    back_to_back = orm_call(
        student,
        "book_stay",
        data,
        guest,
        prop,
        end.isoformat(),
        2,
        "credit_card",
        snapshot=[COUNTS],
    )
    assert back_to_back.error is None, (
        "a stay starting the day another ends was refused: the nights do not overlap"
    )
    assert back_to_back.after[0][0] == [
        back_to_back.before[0][0][0] + 1,
        back_to_back.before[0][0][1] + 1,
    ]
    prop, guest, start, _ = booking_with(data, "cancelled")
    over_cancelled = orm_call(
        student, "book_stay", data, guest, prop, start.isoformat(), 2, "paypal"
    )
    assert over_cancelled.error is None, "nights held only by a cancelled booking were refused"
    prop, guest, start, _ = booking_with(data, "pending")
    over_pending = orm_call(
        student,
        "book_stay",
        data,
        guest,
        prop,
        (start + dt.timedelta(days=1)).isoformat(),
        1,
        "paypal",
        snapshot=[COUNTS],
    )
    assert over_pending.error is not None and over_pending.error.startswith("ValueError"), (
        "nights held by a pending booking should raise ValueError"
    )
    assert over_pending.after == over_pending.before, "a refused booking changed the data"
    failing = orm_call(
        student, "book_stay", data, guest, prop, "2027-02-01", 4, "cash", snapshot=[COUNTS]
    )
    assert failing.error is not None and failing.after == failing.before, (
        "on other data, a failing payment left data behind"
    )
