"""Question 2: `stream_rows(con, query, batch_size)` yields rows, fetching one batch at a time,
one stream's rows apart from another's on the same connection."""

import duckdb

from prodev import probes
from prodev.checking import check, fingerprint

QUERY = "SELECT booking_id, status, nights FROM bookings ORDER BY booking_id LIMIT 5000"


@check("q2", points=1)
def test_streams_every_booking(student, stayhub):
    with duckdb.connect(str(stayhub), read_only=True) as con:
        expected = con.execute(QUERY).fetchall()
    got = probes.probe_call(
        student, "stream_rows", probes.database(path=str(stayhub)), QUERY, 500, take="all"
    )
    rows = got["value"]
    assert got["iterator"], "`stream_rows` should be a generator: `yield` the rows"
    assert len(rows) == len(expected), (
        f"expected {len(expected)} bookings, got {len(rows)}: keep fetching until fetchmany "
        "returns an empty list"
    )
    assert all(isinstance(r, list) and len(r) == 3 for r in rows), (
        "each item should be one row (a tuple of the query's 3 columns), not a batch of rows"
    )
    assert fingerprint(rows, ordered=True) == fingerprint(expected, ordered=True), (
        "the rows are not the query's rows in the query's order"
    )


@check("q2", points=1)
def test_fetches_in_batches(student, stayhub):
    got = probes.probe_call(
        student, "stream_rows", probes.database(path=str(stayhub)), QUERY, 100, take=5
    )
    db = got["probes"]["db"]
    assert db["fetchall"] == 0, "fetchall() loads every row at once: use fetchmany(batch_size)"
    assert db["fetchmany"] and set(db["fetchmany"]) == {100}, (
        f"expected calls to fetchmany(100) for batch_size=100, saw fetchmany sizes "
        f"{db['fetchmany'][:5]} and {db['fetchone']} fetchone() calls"
    )
    assert db["rows_fetched"] <= 100, (
        f"taking the first 5 rows fetched {db['rows_fetched']} rows from the database: "
        "fetch the next batch only when the current one is used up"
    )


@check("q2", points=1)
def test_two_streams_on_one_connection(student, stayhub):
    bookings = "SELECT booking_id, status FROM bookings ORDER BY booking_id LIMIT 6"
    properties = "SELECT property_id, city FROM properties ORDER BY property_id DESC LIMIT 6"
    with duckdb.connect(str(stayhub), read_only=True) as con:
        expected = [[list(r) for r in con.execute(q).fetchall()] for q in (bookings, properties)]
    got = probes.probe_interleave(
        student,
        "stream_rows",
        probes.database(path=str(stayhub)),
        [[bookings, 2], [properties, 2]],
        take=6,
    )
    first, second = got["value"]
    assert [first, second] == expected, (
        "two streams read side by side from one connection (a row of bookings, then a row of "
        "properties, and so on) did not each yield their own query's rows: the bookings stream "
        f"gave {len(first)} rows, {sum(r in expected[0] for r in first)} of them bookings. "
        "Whatever one stream runs on the connection reaches the other one's rows"
    )
