"""Hidden checks for question 1 of lab 04: confirmed 2024 bookings with guest email and city.

Run the reference query and the student's on a dataset the student never saw, and compare.
"""

from prodev.checking import assert_rows, check

REFERENCE = """
SELECT b.booking_id, u.email AS guest_email, p.city, b.start_date, b.total_price
FROM bookings AS b
JOIN users AS u ON u.user_id = b.guest_id
JOIN properties AS p ON p.property_id = b.property_id
WHERE b.status = 'confirmed'
  AND b.start_date >= DATE '2024-03-01' AND b.start_date < DATE '2024-04-01'
"""

COLUMNS = ["booking_id", "guest_email", "city", "start_date", "total_price"]


@check("q1", points=1)
def test_q1_on_unseen_data(student, stayhub_unseen, reference):
    """The same result as the reference on other data (row order ignored)."""
    expected = reference(REFERENCE, stayhub_unseen)
    actual = student.sql("q1", stayhub_unseen)
    assert_rows(
        actual,
        expected.rows,
        columns=COLUMNS,
        ordered=False,
        hint=(
            "on a dataset you have not seen, your rows differ: check the status and date "
            "filters and which user each email belongs to"
        ),
        counts=False,
    )


@check("q1", points=1)
def test_q1_on_planted_cases(student, planted):
    """The same result as the reference on hand-made rows holding the cases the question names: a
    stay from 29 February that ends in March, stays on 1 and 31 March and on 1 April,
    pending and cancelled March stays, and March of another year."""
    assert_rows(
        planted.student(student, "q1"),
        planted.reference(REFERENCE).rows,
        columns=COLUMNS,
        ordered=False,
        hint=(
            "on hand-made rows with the cases the question names, your result differs: "
            "check which bookings are confirmed and the first and last day of March"
        ),
        counts=False,
    )
