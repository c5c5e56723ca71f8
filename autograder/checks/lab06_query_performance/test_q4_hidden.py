"""Question 4, hidden: the rewrite agrees with the original on unseen data."""

from prodev.checking import check
from prodev.kits.plans import sqlite_memory_copy, stayhub_sqlite
from prodev.kits.scratchdb import fetch, split_statements, sqlite_scratch

ORIGINAL = """
SELECT p.property_id, p.name,
       (SELECT count(*) FROM bookings b
        WHERE b.property_id = p.property_id AND b.status = 'confirmed'
          AND strftime('%Y', b.start_date) = '2025') AS confirmed_2025
FROM properties p
WHERE p.city = 'Paris'
  AND (SELECT count(*) FROM bookings b
       WHERE b.property_id = p.property_id AND b.status = 'confirmed'
         AND strftime('%Y', b.start_date) = '2025') >= 10
"""


@check("q4", points=1)
def test_unseen_data(student, stayhub_unseen):
    statements = split_statements(student.value("q4"), ("SELECT",))
    assert len(statements) == 1, "q4 should hold exactly one SELECT statement"
    con = sqlite_scratch(sqlite_memory_copy(stayhub_sqlite(stayhub_unseen)))
    got = sorted(fetch(con, statements[0])[1])
    expected = sorted(con.execute(ORIGINAL).fetchall())
    assert len(got) == len(expected), (
        "on other data, the query returns a different number of rows: "
        "check the year boundaries and the threshold"
    )
    assert got == expected, "on other data, the rows differ from the original query's"
