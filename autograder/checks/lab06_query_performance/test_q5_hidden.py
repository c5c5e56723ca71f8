"""Question 5, hidden: same rows and one partition read, on unseen data."""

import duckdb

from prodev.checking import check
from prodev.kits.plans import duckdb_profile, parquet_bookings, stayhub_parquet
from prodev.kits.scratchdb import fetch, split_statements

ORIGINAL = """
SELECT property_id, count(*) AS stays, sum(total_price) AS revenue
FROM {bookings}
WHERE status = 'confirmed' AND strftime(start_date, '%Y-%m') = '2024-03'
GROUP BY property_id
"""


@check("q5", points=1)
def test_unseen_data(student, stayhub_unseen):
    root = stayhub_parquet(stayhub_unseen)
    con = duckdb.connect(":memory:")
    con.execute("SET allowed_directories = [?]", [str(root)])
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    bookings = parquet_bookings(root)
    text = str(student.value("q5"))
    statements = split_statements(text.replace("{bookings}", bookings), ("SELECT",))
    assert len(statements) == 1, "q5 should hold exactly one SELECT statement"
    query = statements[0]
    got = sorted(fetch(con, query)[1])
    expected = sorted(con.execute(ORIGINAL.replace("{bookings}", bookings)).fetchall())
    assert got == expected, "on other data, the rows differ from the original query's"
    assert duckdb_profile(con, query).files_read == 1, "on other data, more than one file is read"
