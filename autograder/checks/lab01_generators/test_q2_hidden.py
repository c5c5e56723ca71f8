"""Hidden checks of question 2 (`stream_rows`): a table the student never saw, and what is left
open when a caller stops early or reads to the end."""

from prodev import probes
from prodev.checking import check

ROWS = [[i, f"guest{i % 13}", round(i * 1.25, 2)] for i in range(1, 51)]
TABLES = {
    "charges": {
        "columns": [["charge_id", "INTEGER"], ["guest", "VARCHAR"], ["amount", "DOUBLE"]],
        "rows": ROWS,
    }
}


@check("q2", points=1)
def test_odd_batch_sizes_and_empty_results(student):
    db = probes.database(tables=TABLES)
    got = probes.probe_call(
        student, "stream_rows", db, "SELECT * FROM charges ORDER BY 1", 7, take="all"
    )
    assert got["value"] == ROWS, (
        "with 50 rows and batch_size=7 the streamed rows are not the query's rows: is the "
        "last, short batch yielded?"
    )
    sizes = got["probes"]["db"]["fetchmany"]
    assert got["probes"]["db"]["fetchall"] == 0 and sizes and set(sizes) == {7}, (
        "rows should be fetched with fetchmany(batch_size) only"
    )
    empty = probes.probe_call(
        student,
        "stream_rows",
        probes.database(tables=TABLES),
        "SELECT * FROM charges WHERE amount < 0",
        7,
        take="all",
    )
    assert empty["value"] == [], "a query with no rows should yield nothing"


@check("q2", points=1)
def test_nothing_is_left_open_when_the_caller_stops(student):
    query = "SELECT * FROM charges ORDER BY 1"
    early = probes.probe_call(
        student, "stream_rows", probes.database(tables=TABLES), query, 7, take=2, close=True
    )
    cursors = early["probes"]["db"]["cursors"]
    assert early["value"] == ROWS[:2], "after two rows the stream did not yield the first two"
    assert cursors, (
        "the stream ran its query on the connection itself, not on a cursor of its own: "
        "another stream on the same connection would take its rows"
    )
    assert all(c["closed"] for c in cursors), (
        "a caller took two rows and closed the generator, and the cursor the stream opened was "
        "still open afterwards"
    )
    assert not early["probes"]["db"]["closed"], (
        "closing the stream closed the caller's connection, which is not the stream's to close"
    )
    whole = probes.probe_call(
        student, "stream_rows", probes.database(tables=TABLES), query, 50, take="all"
    )
    assert all(c["closed"] for c in whole["probes"]["db"]["cursors"]), (
        "a stream read to its end left its cursor open"
    )
