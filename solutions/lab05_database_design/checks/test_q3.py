"""Question 3: portable DDL for bookings and reviews (table CHECKs, UNIQUE foreign key)."""

from prodev.checking import check
from prodev.kits.scratchdb import (
    apply_script,
    duckdb_scratch,
    rejection_problem,
    sqlite_scratch,
    table_columns,
)

PARENTS = """
CREATE TABLE users (user_id INTEGER PRIMARY KEY);
CREATE TABLE properties (property_id INTEGER PRIMARY KEY);
INSERT INTO users VALUES (1), (2);
INSERT INTO properties VALUES (10), (11);
"""
COLUMNS = {
    "bookings": {
        "booking_id",
        "property_id",
        "guest_id",
        "start_date",
        "end_date",
        "status",
        "total_price",
    },
    "reviews": {"review_id", "booking_id", "rating", "comment"},
}
STAY = {
    "booking_id": 100,
    "property_id": 10,
    "guest_id": 1,
    "start_date": "2025-03-01",
    "end_date": "2025-03-04",
    "status": "confirmed",
    "total_price": 360.0,
}
REVIEW = {"review_id": 500, "booking_id": 100, "rating": 5, "comment": "Lovely"}
ROWS = [
    ("bookings", STAY, None, "", "a valid booking"),
    (
        "bookings",
        {**STAY, "booking_id": 101, "total_price": 0, "status": "pending"},
        None,
        "",
        "a free pending booking",
    ),
    ("bookings", {**STAY, "booking_id": 107, "guest_id": 2}, None, "", "another guest's booking"),
    ("reviews", REVIEW, None, "", "a valid review"),
    (
        "reviews",
        {**REVIEW, "review_id": 501, "booking_id": 101, "comment": None},
        None,
        "",
        "a review without a comment",
    ),
    (
        "bookings",
        {**STAY, "booking_id": 102, "end_date": "2025-03-01"},
        "check",
        "end_date",
        "a booking that ends the day it starts",
    ),
    (
        "bookings",
        {**STAY, "booking_id": 103, "end_date": "2025-02-20"},
        "check",
        "end_date",
        "a booking that ends before it starts",
    ),
    (
        "bookings",
        {**STAY, "booking_id": 104, "status": "done"},
        "check",
        "status",
        "a booking whose status is 'done'",
    ),
    (
        "bookings",
        {**STAY, "booking_id": 105, "total_price": -1},
        "check",
        "total_price",
        "a booking with a negative total_price",
    ),
    (
        "bookings",
        {**STAY, "booking_id": 106, "property_id": 99},
        "foreign_key",
        "property_id",
        "a booking for a property that does not exist",
    ),
    (
        "reviews",
        {**REVIEW, "review_id": 502},
        "unique",
        "booking_id",
        "a second review of the same booking",
    ),
    (
        "reviews",
        {**REVIEW, "review_id": 503, "booking_id": 107, "rating": 6},
        "check",
        "rating",
        "a review rated 6",
    ),
]


def schema(student, engine):
    con = engine()
    apply_script(con, PARENTS)
    apply_script(con, student.value("bookings_reviews_ddl"), label="bookings_reviews_ddl")
    return con


@check("q3", points=1)
def test_runs_on_duckdb_and_sqlite(student):
    for engine in (duckdb_scratch, sqlite_scratch):
        con = schema(student, engine)
        for table, expected in COLUMNS.items():
            columns = table_columns(con, table)
            assert columns is not None, f"the DDL creates no table {table}"
            assert set(columns) == expected, (
                f"{table} has the columns {columns}; expected {sorted(expected)}"
            )


@check("q3", points=1)
def test_constraints_accept_good_rows_and_refuse_bad_ones(student):
    for engine in (duckdb_scratch, sqlite_scratch):
        con = schema(student, engine)
        for table, row, kind, about, description in ROWS:
            problem = rejection_problem(con, table, row, kind, about, description)
            assert problem is None, problem
