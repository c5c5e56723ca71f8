"""Public checks for question 1 of lab 04 (confirmed stays in 2024).

They run your query on the course dataset and compare the result with the expected one through a
hash (`fingerprint`), which says whether your rows match without saying what they should be.
"""

from prodev.checking import check, fingerprint

COLUMNS = ["booking_id", "guest_email", "city", "start_date", "total_price"]
ROWS = 250  # rows expected on the course dataset
FINGERPRINT = "06541b15b189109d"  # of the expected rows, in any order


@check("q1", points=1)
def test_q1_columns(student, stayhub):
    """The columns are the ones the question names, in its order."""
    columns = student.sql("q1", stayhub).columns
    assert [c.lower() for c in columns] == COLUMNS, (
        f"expected the columns {COLUMNS} in this order, got {columns}: name them with AS"
    )


@check("q1", points=1)
def test_q1_rows(student, stayhub):
    """The rows are the expected ones (in any order)."""
    rows = student.sql("q1", stayhub).rows
    assert len(rows) == ROWS, (
        f"expected {ROWS} rows, got {len(rows)}: "
        "keep only confirmed bookings whose start_date is in March 2024"
    )
    assert fingerprint(rows) == FINGERPRINT, (
        "the right number of rows, but not the right rows: "
        "is guest_email the email of the guest (not of the host), and city the property's city?"
    )
