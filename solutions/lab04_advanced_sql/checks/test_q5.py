"""Public checks for question 5 of lab 04 (money StayHub owes its guests).

They run your query on the course dataset and compare the result with the expected one through a
hash (`fingerprint`), which says whether your rows match without saying what they should be.
"""

from prodev.checking import check, fingerprint

COLUMNS = ["guest_id", "email", "cancelled_paid_bookings", "amount_owed"]
ROWS = 8  # rows expected on the course dataset
FINGERPRINT = "9ba70acd16e0cbd3"  # of the expected rows, in any order
FINGERPRINT_IN_ORDER = "f2121407ed12e8c6"  # of the expected rows, in the order asked for


@check("q5", points=1)
def test_q5_columns(student, stayhub):
    """The columns are the ones the question names, in its order."""
    columns = student.sql("q5", stayhub).columns
    assert [c.lower() for c in columns] == COLUMNS, (
        f"expected the columns {COLUMNS} in this order, got {columns}: name them with AS"
    )


@check("q5", points=1)
def test_q5_rows(student, stayhub):
    """The rows are the expected ones in the expected order."""
    rows = student.sql("q5", stayhub).rows
    assert len(rows) == ROWS, (
        f"expected {ROWS} rows, got {len(rows)}: "
        "only cancelled bookings with a payment whose status is 'completed' count"
    )
    assert fingerprint(rows) == FINGERPRINT, (
        "the right number of rows, but not the right rows: "
        "count bookings (not payments), and add up only the completed payments"
    )
    assert fingerprint(rows, ordered=True) == FINGERPRINT_IN_ORDER, (
        "the right rows, in the wrong order: sort by amount_owed, largest first, then by guest_id"
    )
