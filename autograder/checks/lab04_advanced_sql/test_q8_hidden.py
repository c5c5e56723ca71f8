"""Hidden checks for question 8 of lab 04: 2024 monthly revenue, running total and change.

Run the reference query and the student's on a dataset the student never saw, and compare.
"""

from prodev.checking import assert_rows, check

REFERENCE = """
WITH monthly AS (
    SELECT strftime(start_date, '%Y-%m') AS month, sum(total_price) AS revenue
    FROM bookings
    WHERE status = 'confirmed' AND year(start_date) = 2024
    GROUP BY month
)
SELECT month, revenue,
       sum(revenue) OVER (ORDER BY month) AS running_revenue,
       revenue - lag(revenue) OVER (ORDER BY month) AS change
FROM monthly
ORDER BY month
"""

COLUMNS = ["month", "revenue", "running_revenue", "change"]


@check("q8", points=1)
def test_q8_on_unseen_data(student, stayhub_unseen, reference):
    """The same result as the reference on other data, in the same order."""
    expected = reference(REFERENCE, stayhub_unseen)
    actual = student.sql("q8", stayhub_unseen)
    assert_rows(
        actual,
        expected.rows,
        columns=COLUMNS,
        ordered=True,
        hint=(
            "on a dataset you have not seen, your months differ: check the filters, the "
            "window ordering and the row order"
        ),
        counts=False,
    )


@check("q8", points=1)
def test_q8_running_total_and_change_follow_the_months(student, stayhub_unseen):
    """Whatever the revenue, the window columns must follow from it month by month."""
    rows = student.sql("q8", stayhub_unseen).rows
    assert rows and len(rows[0]) == 4, (
        "expected four columns: month, revenue, running_revenue, change"
    )
    months = [r[0] for r in rows]
    assert months == sorted(months, key=str), "the rows are not ordered by month"
    assert rows[0][3] is None, "the first month has no previous month: its change should be NULL"
    total, previous = 0.0, None
    for r in rows:
        month, revenue, running, change = r
        if not isinstance(revenue, int | float) or not isinstance(running, int | float):
            raise AssertionError(f"revenue and running_revenue should be numbers (month {month})")
        total += revenue
        if abs(running - total) > 0.01:
            raise AssertionError(
                f"running_revenue of {month} is not the sum of revenue up to that month: "
                "does the window order by month?"
            )
        if previous is not None and (
            not isinstance(change, int | float) or abs(change - (revenue - previous)) > 0.01
        ):
            raise AssertionError(
                f"change of {month} is not revenue minus the previous month's revenue"
            )
        previous = revenue


@check("q8", points=1)
def test_q8_on_planted_cases(student, planted):
    """The same result as the reference on hand-made rows holding the cases the question names: a
    month of 2024 without a confirmed stay, and confirmed stays just before and just after
    2024."""
    assert_rows(
        planted.student(student, "q8"),
        planted.reference(REFERENCE).rows,
        columns=COLUMNS,
        ordered=True,
        hint=(
            "on hand-made rows with the cases the question names, your result differs: "
            "check the year filter, that change compares with the previous row, and that "
            "month is text 'YYYY-MM'"
        ),
        counts=False,
    )
