"""The practice question of the orientation: checks like a lab's, worth no grade.

A lab's public checks hide the expected rows behind a fingerprint; this one simply runs the
expected query itself, since there is nothing to give away.
"""

from prodev.checking import check, rows_problem
from prodev.checking.student import QueryResult

EXPECTED = "SELECT status, count(*) AS bookings FROM bookings GROUP BY status"


def expected_rows(database) -> list[list]:
    import duckdb

    connection = duckdb.connect(str(database), read_only=True)
    try:
        return [list(row) for row in connection.execute(EXPECTED).fetchall()]
    finally:
        connection.close()


@check("practice", points=1)
def test_practice_columns(student, stayhub):
    """The columns are named as the question asks."""
    result: QueryResult = student.sql("statuses", stayhub)
    assert [c.lower() for c in result.columns] == ["status", "bookings"], (
        f"expected the columns ['status', 'bookings'], got {result.columns}: "
        "name the count with `AS bookings`"
    )


@check("practice", points=1)
def test_practice_rows(student, stayhub):
    """One row per status, with the right count."""
    problem = rows_problem(student.sql("statuses", stayhub), expected_rows(stayhub))
    assert problem is None, f"{problem}: one row per status, counting every booking"
