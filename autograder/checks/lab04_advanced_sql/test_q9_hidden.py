"""Hidden checks for question 9 of lab 04: pairs of active stays of one listing that share a night.

The generated datasets hold no double booking, so the planted rows (see conftest.py) carry the
cases: touching stays, cancelled and pending stays, a long stay holding two short ones (the
second of which misses the stay just before it), stays arriving on the same day, the same dates
at another listing, and ids that do not follow the dates.
"""

from prodev.checking import assert_rows, check

REFERENCE = """
SELECT a.property_id, a.booking_id, b.booking_id AS other_booking_id,
       least(a.end_date, b.end_date) - greatest(a.start_date, b.start_date) AS shared_nights
FROM bookings AS a
JOIN bookings AS b
  ON b.property_id = a.property_id
 AND a.booking_id < b.booking_id
 AND a.start_date < b.end_date
 AND b.start_date < a.end_date
WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'
ORDER BY a.property_id, a.booking_id, other_booking_id
"""

COLUMNS = ["property_id", "booking_id", "other_booking_id", "shared_nights"]


def pairs(rows: list) -> set[tuple]:
    """(property_id, booking_id, other_booking_id) of each row."""
    return {tuple(row[:3]) for row in rows if len(row) >= 3}


@check("q9", points=1)
def test_q9_finds_every_double_booking(student, planted):
    """Every planted pair of active stays sharing a night is found, each once."""
    want = pairs(planted.reference(REFERENCE).rows)
    got = planted.student(student, "q9").rows
    assert len(got) == len(pairs(got)), "some pair of stays is listed more than once"
    missing = want - pairs(got)
    assert not missing, (
        f"{len(missing)} pairs of active stays that share a night are missing: a long stay "
        "can overlap stays that begin after the one just before them, a pending stay holds its "
        "nights, and the smaller id comes first"
    )


@check("q9", points=1)
def test_q9_reports_no_false_alarm(student, planted):
    """No pair that does not share a night, or that involves a cancelled stay, is reported."""
    want = pairs(planted.reference(REFERENCE).rows)
    extra = pairs(planted.student(student, "q9").rows) - want
    assert not extra, (
        f"{len(extra)} of your pairs are not double bookings: stays that only touch (one leaves "
        "the day the other arrives) share no night, a cancelled stay holds no night, and stays of "
        "different listings never clash"
    )


@check("q9", points=1)
def test_q9_on_planted_cases_and_unseen_data(student, planted, stayhub_unseen, reference):
    """The same rows as the reference, shared nights and order included, on the planted stays
    and on a dataset the student never saw (which has no double booking)."""
    assert_rows(
        planted.student(student, "q9"),
        planted.reference(REFERENCE).rows,
        columns=COLUMNS,
        ordered=True,
        hint="on planted stays, check shared_nights and the order of the rows",
        counts=False,
    )
    assert_rows(
        student.sql("q9", stayhub_unseen),
        reference(REFERENCE, stayhub_unseen).rows,
        columns=COLUMNS,
        ordered=True,
        hint="on a dataset you have not seen, which has no double booking, your rows differ",
        counts=False,
    )
