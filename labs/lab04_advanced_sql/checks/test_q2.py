"""Public checks for question 2 of lab 04 (busy hosts).

They run your query on the course dataset and compare the result with the expected one through a
hash (`fingerprint`), which says whether your rows match without saying what they should be.
"""

from prodev.checking import check, fingerprint

COLUMNS = ["host_id", "confirmed_bookings", "revenue"]
ROWS = 87  # rows expected on the course dataset
FINGERPRINT = "80d09a2bc170bd8a"  # of the expected rows, in any order
FINGERPRINT_IN_ORDER = "fb47ec6e3a44d597"  # of the expected rows, in the order asked for


@check("q2", points=1)
def test_q2_columns(student, stayhub):
    """The columns are the ones the question names, in its order."""
    columns = student.sql("q2", stayhub).columns
    assert [c.lower() for c in columns] == COLUMNS, (
        f"expected the columns {COLUMNS} in this order, got {columns}: name them with AS"
    )


@check("q2", points=1)
def test_q2_rows(student, stayhub):
    """The rows are the expected ones in the expected order."""
    rows = student.sql("q2", stayhub).rows
    assert len(rows) == ROWS, (
        f"expected {ROWS} rows, got {len(rows)}: "
        "count only confirmed bookings, and keep hosts with at least 30 of them"
    )
    assert fingerprint(rows) == FINGERPRINT, (
        "the right number of rows, but not the right rows: "
        "are confirmed_bookings and revenue computed over confirmed bookings only?"
    )
    assert fingerprint(rows, ordered=True) == FINGERPRINT_IN_ORDER, (
        "the right rows, in the wrong order: sort by revenue, highest first, then by host_id"
    )
