"""Question 5: partition pruning on hive-partitioned Parquet."""

import duckdb

from prodev.checking import check
from prodev.kits.plans import duckdb_profile, parquet_bookings, stayhub_parquet
from prodev.kits.scratchdb import ScriptError, fetch, split_statements

ORIGINAL = """
SELECT property_id, count(*) AS stays, sum(total_price) AS revenue
FROM {bookings}
WHERE status = 'confirmed' AND strftime(start_date, '%Y-%m') = '2024-03'
GROUP BY property_id
"""
COLUMNS = ["property_id", "stays", "revenue"]


def lake(dataset):
    """A DuckDB connection that may read the Parquet export and nothing else."""
    root = stayhub_parquet(dataset)
    con = duckdb.connect(":memory:")
    con.execute("SET allowed_directories = [?]", [str(root)])
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con, parquet_bookings(root)


def query_of(student, bookings) -> str:
    text = student.value("q5")
    if not isinstance(text, str):
        raise ScriptError(f"q5 should be a string holding a query, not a {type(text).__name__}")
    if "NotImplementedError" not in text and "{bookings}" not in text:
        raise ScriptError("keep the placeholder {bookings} where the table goes")
    statements = split_statements(text.replace("{bookings}", bookings), ("SELECT",))
    if len(statements) != 1:
        raise ScriptError("q5 should hold exactly one SELECT statement")
    return statements[0]


def result(con, query):
    columns, rows = fetch(con, query)
    return columns, sorted(rows)


def compare(student, dataset, where=""):
    con, bookings = lake(dataset)
    query = query_of(student, bookings)
    original = ORIGINAL.replace("{bookings}", bookings)
    columns, rows = result(con, query)
    _, expected = result(con, original)
    assert columns == COLUMNS, f"{where}expected the columns {COLUMNS}, got {columns}"
    assert len(rows) == len(expected), f"{where}expected {len(expected)} rows, got {len(rows)}"
    assert rows == expected, f"{where}the rows differ from the original query's"
    return con, query, original


@check("q5", points=1)
def test_same_rows_as_the_original(student, stayhub):
    compare(student, stayhub)


@check("q5", points=1)
def test_reads_one_partition(student, stayhub):
    con, query, original = compare(student, stayhub)
    mine, theirs = duckdb_profile(con, query), duckdb_profile(con, original)
    assert mine.files_read == 1, (
        f"your query reads {mine.files_read} files; one month is one file: filter on the "
        "partition columns year and month"
    )
    assert mine.bytes_read < theirs.bytes_read, (
        f"your query reads {mine.bytes_read:,} bytes, the original {theirs.bytes_read:,}: "
        "it should read less"
    )
