"""Hidden checks for question 5 of lab 04: money owed on cancelled bookings that were paid.

Run the reference query and the student's on a dataset the student never saw, and compare.
"""

import json

from prodev.checking import assert_rows, check

REFERENCE = """
WITH paid_cancellations AS (
    SELECT b.booking_id, b.guest_id, sum(pay.amount) AS paid
    FROM bookings AS b
    JOIN payments AS pay ON pay.booking_id = b.booking_id
    WHERE b.status = 'cancelled' AND pay.status = 'completed'
    GROUP BY b.booking_id, b.guest_id
)
SELECT u.user_id AS guest_id, u.email,
       count(*) AS cancelled_paid_bookings, sum(pc.paid) AS amount_owed
FROM paid_cancellations AS pc
JOIN users AS u ON u.user_id = pc.guest_id
GROUP BY u.user_id, u.email
ORDER BY amount_owed DESC, guest_id
"""

COLUMNS = ["guest_id", "email", "cancelled_paid_bookings", "amount_owed"]


@check("q5", points=1)
def test_q5_on_unseen_data(student, stayhub_unseen, reference):
    """The same result as the reference on other data, in the same order."""
    expected = reference(REFERENCE, stayhub_unseen)
    actual = student.sql("q5", stayhub_unseen)
    assert_rows(
        actual,
        expected.rows,
        columns=COLUMNS,
        ordered=True,
        hint=(
            "on a dataset you have not seen, your result differs: check which bookings and "
            "payments count, and the order"
        ),
        counts=False,
    )


def first_values(rows: list) -> set[str]:
    """The first column of each row, as JSON text (hashable whatever its type)."""
    return {json.dumps(row[0], sort_keys=True) for row in rows if row}


@check("q5", points=1)
def test_q5_only_completed_payments_on_cancelled_bookings(student, stayhub_unseen, reference):
    """The guests listed are exactly those with a completed payment on a cancelled booking."""
    wanted = first_values(reference(REFERENCE, stayhub_unseen).rows)
    got = first_values(student.sql("q5", stayhub_unseen).rows)
    assert not got - wanted, (
        "you list guests who are owed nothing: only cancelled bookings with a "
        "payment whose status is 'completed' count"
    )
    assert not wanted - got, "guests who are owed money are missing"


@check("q5", points=1)
def test_q5_on_planted_cases(student, planted):
    """The same result as the reference on hand-made rows holding the cases the question names: a
    cancelled booking paid in two completed payments, one paid and then refunded, ones with
    only a failed or pending payment, and two guests owed the same amount."""
    assert_rows(
        planted.student(student, "q5"),
        planted.reference(REFERENCE).rows,
        columns=COLUMNS,
        ordered=True,
        hint=(
            "on hand-made rows with the cases the question names, your result differs: "
            "check that bookings (not payments) are counted, which payments count, and how "
            "equal amounts are ordered"
        ),
        counts=False,
    )
