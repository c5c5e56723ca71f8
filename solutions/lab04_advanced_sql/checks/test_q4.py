"""Public checks for question 4 of lab 04 (pricier than the neighbours).

They run your query on the course dataset and compare the result with the expected one through a
hash (`fingerprint`), which says whether your rows match without saying what they should be.
"""

from prodev.checking import check, fingerprint

COLUMNS = ["property_id", "city", "price_per_night", "city_avg"]
ROWS = 206  # rows expected on the course dataset
FINGERPRINT = "2f52149b4b2eac3a"  # of the expected rows, in any order


@check("q4", points=1)
def test_q4_columns(student, stayhub):
    """The columns are the ones the question names, in its order."""
    columns = student.sql("q4", stayhub).columns
    assert [c.lower() for c in columns] == COLUMNS, (
        f"expected the columns {COLUMNS} in this order, got {columns}: name them with AS"
    )


@check("q4", points=1)
def test_q4_rows(student, stayhub):
    """The rows are the expected ones (in any order)."""
    rows = student.sql("q4", stayhub).rows
    assert len(rows) == ROWS, (
        f"expected {ROWS} rows, got {len(rows)}: "
        "compare each property with the average of its own city, strictly greater"
    )
    assert fingerprint(rows) == FINGERPRINT, (
        "the right number of rows, but not the right rows: "
        "is city_avg the average price of the property's own city, rounded to 2 decimals?"
    )
