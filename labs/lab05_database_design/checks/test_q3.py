"""Question 3: portable DDL for bookings and reviews (table CHECKs, UNIQUE foreign key)."""

from prodev.checking import check
from prodev.kits.scratchdb import judge_rejection
from prodev.kits.scratchplan import ENGINE_NAMES, ScratchPlan

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


def observe(student, rows=()):
    """Apply the DDL to an empty DuckDB and an empty SQLite (in the sandbox when grading), then
    insert `rows` into each in order; the columns of each table and what each insert gave."""
    ddl = student.value("bookings_reviews_ddl")
    plan = ScratchPlan()
    probes = {}
    for engine in ENGINE_NAMES:
        plan.database(engine, engine, setup=PARENTS, script=ddl, label="bookings_reviews_ddl")
        columns = {t: plan.probe(engine, "columns", table=t) for t in COLUMNS}
        inserts = [plan.probe(engine, "insert", table=r[0], row=r[1]) for r in rows]
        probes[engine] = (columns, inserts)
    report = plan.run(student)
    report.raise_for(*ENGINE_NAMES)
    return report, probes


@check("q3", points=1)
def test_runs_on_duckdb_and_sqlite(student):
    report, probes = observe(student)
    for columns, _ in probes.values():
        for table, expected in COLUMNS.items():
            found = report.results[columns[table]]
            assert found is not None, f"the DDL creates no table {table}"
            assert set(found) == expected, (
                f"{table} has the columns {found}; expected {sorted(expected)}"
            )


@check("q3", points=1)
def test_constraints_accept_good_rows_and_refuse_bad_ones(student):
    report, probes = observe(student, ROWS)
    for engine, (_, inserts) in probes.items():
        for (_table, _row, kind, about, description), index in zip(ROWS, inserts, strict=True):
            rejection = report.rejection(index)
            problem = judge_rejection(ENGINE_NAMES[engine], rejection, kind, about, description)
            assert problem is None, problem
