"""Public checks for question 3 of lab 04 (properties nobody has stayed in).

They run your query on the course dataset and compare the result with the expected one through a
hash (`fingerprint`), which says whether your rows match without saying what they should be.
"""

from prodev.checking import check, fingerprint

COLUMNS = ["property_id", "name", "city"]
ROWS = 129  # rows expected on the course dataset
FINGERPRINT = "a88c397d34d2ba6c"  # of the expected rows, in any order


@check("q3", points=1)
def test_q3_columns(student, stayhub):
    """The columns are the ones the question names, in its order."""
    columns = student.sql("q3", stayhub).columns
    assert [c.lower() for c in columns] == COLUMNS, (
        f"expected the columns {COLUMNS} in this order, got {columns}: name them with AS"
    )


@check("q3", points=1)
def test_q3_rows(student, stayhub):
    """The rows are the expected ones (in any order)."""
    rows = student.sql("q3", stayhub).rows
    assert len(rows) == ROWS, (
        f"expected {ROWS} rows, got {len(rows)}: "
        "a property booked only in other years, or only pending or cancelled in 2024, counts too"
    )
    assert fingerprint(rows) == FINGERPRINT, (
        "the right number of rows, but not the right rows: "
        "are the name and city those of the property?"
    )
