"""Hidden checks for question 2 of lab 04: hosts with at least 30 confirmed bookings.

Run the reference query and the student's on a dataset the student never saw, and compare.
"""

from prodev.checking import assert_rows, check

REFERENCE = """
SELECT p.host_id, count(*) AS confirmed_bookings, sum(b.total_price) AS revenue
FROM bookings AS b
JOIN properties AS p ON p.property_id = b.property_id
WHERE b.status = 'confirmed'
GROUP BY p.host_id
HAVING count(*) >= 30
ORDER BY revenue DESC, p.host_id
"""

COLUMNS = ["host_id", "confirmed_bookings", "revenue"]


@check("q2", points=1)
def test_q2_on_unseen_data(student, stayhub_unseen, reference):
    """The same result as the reference on other data, in the same order."""
    expected = reference(REFERENCE, stayhub_unseen)
    actual = student.sql("q2", stayhub_unseen)
    assert_rows(
        actual,
        expected.rows,
        columns=COLUMNS,
        ordered=True,
        hint=(
            "on a dataset you have not seen, your result differs: check the status filter, "
            "the HAVING threshold and the order"
        ),
        counts=False,
    )


@check("q2", points=1)
def test_q2_on_planted_cases(student, planted):
    """The same result as the reference on hand-made rows holding the cases the question names: a
    host with exactly 30 confirmed bookings, one with 29 and some cancelled or pending ones,
    and two hosts with the same revenue."""
    assert_rows(
        planted.student(student, "q2"),
        planted.reference(REFERENCE).rows,
        columns=COLUMNS,
        ordered=True,
        hint=(
            "on hand-made rows with the cases the question names, your result differs: "
            "check the threshold, which bookings count, and how hosts with equal revenue are "
            "ordered"
        ),
        counts=False,
    )
