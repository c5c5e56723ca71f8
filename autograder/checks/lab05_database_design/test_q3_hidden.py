"""Question 3, hidden: NULLs that a CHECK alone lets through, other keys, other boundaries."""

from prodev.checking import check
from prodev.kits.scratchdb import judge_rejection
from prodev.kits.scratchplan import ENGINE_NAMES, ScratchPlan

PARENTS = """
CREATE TABLE users (user_id INTEGER PRIMARY KEY);
CREATE TABLE properties (property_id INTEGER PRIMARY KEY);
INSERT INTO users VALUES (3);
INSERT INTO properties VALUES (30);
"""
STAY = {
    "booking_id": 300,
    "property_id": 30,
    "guest_id": 3,
    "start_date": "2024-12-30",
    "end_date": "2025-01-02",
    "status": "cancelled",
    "total_price": 99.99,
}
REVIEW = {"review_id": 900, "booking_id": 300, "rating": 1, "comment": "Noisy"}
ROWS = [
    ("bookings", STAY, None, "", "a cancelled booking across new year"),
    ("bookings", {**STAY, "booking_id": 310}, None, "", "a second cancelled booking"),
    ("reviews", REVIEW, None, "", "a review rated 1"),
    (
        "bookings",
        {**STAY, "booking_id": 301, "status": None},
        "not_null",
        "status",
        "a booking with no status (NULL passes a CHECK)",
    ),
    (
        "bookings",
        {**STAY, "booking_id": 302, "start_date": None},
        "not_null",
        "start_date",
        "a booking with no start_date",
    ),
    (
        "bookings",
        {**STAY, "booking_id": 304, "total_price": None},
        "not_null",
        "total_price",
        "a booking with no total_price (NULL passes a CHECK)",
    ),
    (
        "bookings",
        {**STAY, "booking_id": 305, "end_date": None},
        "not_null",
        "end_date",
        "a booking with no end_date (NULL passes the CHECK on the dates)",
    ),
    (
        "bookings",
        {**STAY, "booking_id": 303, "guest_id": 99},
        "foreign_key",
        "guest_id",
        "a booking by a guest who does not exist",
    ),
    (
        "bookings",
        {**STAY, "total_price": 10},
        "unique",
        "booking_id",
        "a booking whose booking_id is taken",
    ),
    (
        "reviews",
        {**REVIEW, "review_id": 901, "booking_id": 999},
        "foreign_key",
        "booking_id",
        "a review of a booking that does not exist",
    ),
    (
        "reviews",
        {**REVIEW, "review_id": 902, "booking_id": None},
        "not_null",
        "booking_id",
        "a review of no booking",
    ),
    (
        "reviews",
        {**REVIEW, "review_id": 903, "booking_id": 310, "rating": None},
        "not_null",
        "rating",
        "a review without a rating",
    ),
    (
        "reviews",
        {**REVIEW, "review_id": 904, "booking_id": 310, "rating": 0},
        "check",
        "rating",
        "a review rated 0",
    ),
]


@check("q3", points=1)
def test_nulls_keys_and_boundaries(student):
    ddl = student.value("bookings_reviews_ddl")
    plan = ScratchPlan()
    inserts = {}
    for engine in ENGINE_NAMES:
        plan.database(engine, engine, setup=PARENTS, script=ddl, label="bookings_reviews_ddl")
        inserts[engine] = [plan.probe(engine, "insert", table=r[0], row=r[1]) for r in ROWS]
    report = plan.run(student)
    report.raise_for(*ENGINE_NAMES)
    for engine, indexes in inserts.items():
        for (_table, _row, kind, about, description), index in zip(ROWS, indexes, strict=True):
            rejection = report.rejection(index)
            problem = judge_rejection(ENGINE_NAMES[engine], rejection, kind, about, description)
            assert problem is None, problem
