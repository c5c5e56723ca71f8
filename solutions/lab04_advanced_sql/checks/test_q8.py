"""Public checks for question 8 of lab 04 (month by month).

They run your query on the course dataset and compare the result with the expected one through a
hash (`fingerprint`), which says whether your rows match without saying what they should be.
"""

import re

from prodev.checking import check, fingerprint

MONTH_TEXT = re.compile(r"\d{4}-\d{2}")  # the text the month column holds
COLUMNS = ["month", "revenue", "running_revenue", "change"]
ROWS = 12  # rows expected on the course dataset
FINGERPRINT = "ccf325b6e8d728ea"  # of the expected rows, in any order
FINGERPRINT_IN_ORDER = "ccf325b6e8d728ea"  # of the expected rows, in the order asked for


@check("q8", points=1)
def test_q8_columns(student, stayhub):
    """The columns are the ones the question names, in its order."""
    columns = student.sql("q8", stayhub).columns
    assert [c.lower() for c in columns] == COLUMNS, (
        f"expected the columns {COLUMNS} in this order, got {columns}: name them with AS"
    )


@check("q8", points=1)
def test_q8_rows(student, stayhub):
    """The rows are the expected ones in the expected order."""
    rows = student.sql("q8", stayhub).rows
    odd = next((row[0] for row in rows if not MONTH_TEXT.fullmatch(str(row[0]))), None)
    assert odd is None, (
        f"the month column holds {odd!r}, which is not text of the form 'YYYY-MM' (like "
        "'2024-01'): is month a date or a timestamp rather than the month as text?"
    )
    assert len(rows) == ROWS, (
        f"expected {ROWS} rows, got {len(rows)}: "
        "one row per month of 2024 that has confirmed bookings"
    )
    assert fingerprint(rows) == FINGERPRINT, (
        "the right number of rows, but not the right rows: "
        "is running_revenue the total up to each month, in month order, and change the "
        "difference with the previous row's revenue?"
    )
    assert fingerprint(rows, ordered=True) == FINGERPRINT_IN_ORDER, (
        "the right rows, in the wrong order: sort by month, earliest first"
    )
