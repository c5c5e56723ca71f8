"""Public checks for question 6 of lab 04 (threads and their depth).

They run your query on the course dataset and compare the result with the expected one through a
hash (`fingerprint`), which says whether your rows match without saying what they should be.
"""

from prodev.checking import check, fingerprint

COLUMNS = ["depth", "threads", "messages"]
ROWS = 6  # rows expected on the course dataset
FINGERPRINT = "bc218cebc39bbe47"  # of the expected rows, in any order
FINGERPRINT_IN_ORDER = "bc218cebc39bbe47"  # of the expected rows, in the order asked for


@check("q6", points=1)
def test_q6_columns(student, stayhub):
    """The columns are the ones the question names, in its order."""
    columns = student.sql("q6", stayhub).columns
    assert [c.lower() for c in columns] == COLUMNS, (
        f"expected the columns {COLUMNS} in this order, got {columns}: name them with AS"
    )


@check("q6", points=1)
def test_q6_rows(student, stayhub):
    """The rows are the expected ones in the expected order."""
    rows = student.sql("q6", stayhub).rows
    assert len(rows) == ROWS, (
        f"expected {ROWS} rows, got {len(rows)}: one row per depth that some thread has"
    )
    assert fingerprint(rows) == FINGERPRINT, (
        "the right number of rows, but not the right rows: "
        "does your query follow replies to every depth (WITH RECURSIVE)?"
    )
    assert fingerprint(rows, ordered=True) == FINGERPRINT_IN_ORDER, (
        "the right rows, in the wrong order: sort by depth, smallest first"
    )
