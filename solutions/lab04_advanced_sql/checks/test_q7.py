"""Public checks for question 7 of lab 04 (the top properties of every city).

They run your query on the course dataset and compare the result with the expected one through a
hash (`fingerprint`), which says whether your rows match without saying what they should be.
"""

from prodev.checking import check, fingerprint

COLUMNS = ["city", "property_id", "confirmed_bookings", "city_rank"]
ROWS = 100  # rows expected on the course dataset
FINGERPRINT = "9b552bb2195f85d6"  # of the expected rows, in any order


@check("q7", points=1)
def test_q7_columns(student, stayhub):
    """The columns are the ones the question names, in its order."""
    columns = student.sql("q7", stayhub).columns
    assert [c.lower() for c in columns] == COLUMNS, (
        f"expected the columns {COLUMNS} in this order, got {columns}: name them with AS"
    )


@check("q7", points=1)
def test_q7_rows(student, stayhub):
    """The rows are the expected ones (in any order)."""
    rows = student.sql("q7", stayhub).rows
    assert len(rows) == ROWS, (
        f"expected {ROWS} rows, got {len(rows)}: "
        "tied properties share a rank (1, 1, 3) and every property ranked 3 or better is kept"
    )
    assert fingerprint(rows) == FINGERPRINT, (
        "the right number of rows, but not the right rows: "
        "count confirmed bookings only, and restart the ranking in every city"
    )
