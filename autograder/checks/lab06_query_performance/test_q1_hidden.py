"""Question 1, hidden: read_plan on live SQLite plans of other queries and indexes."""

import re

from prodev.checking import check
from prodev.kits.plans import sqlite_memory_copy, sqlite_plan, stayhub_sqlite
from prodev.kits.scratchdb import sqlite_scratch

INDEXES = """
CREATE INDEX hx_bookings_property ON bookings (property_id, status);
CREATE INDEX hx_reviews_rating ON reviews (rating, property_id);
"""
QUERIES = [
    "SELECT * FROM bookings b JOIN properties p ON p.property_id = b.property_id "
    "WHERE b.property_id = 7 AND b.status = 'pending'",
    "SELECT property_id, count(*) FROM reviews WHERE rating >= 4 GROUP BY property_id",
    "SELECT u.email, r.rating FROM users u JOIN reviews r ON r.guest_id = u.user_id "
    "ORDER BY r.created_at",
    "SELECT DISTINCT city FROM users WHERE country = 'Kenya' ORDER BY city",
    "SELECT b.booking_id FROM bookings b JOIN payments p ON p.amount = b.total_price "
    "WHERE b.guest_id = 3",
    # a full pass over a covering index: SCAN, yet not a full table scan
    "SELECT count(*) FROM reviews WHERE property_id = 5",
]


def reference(lines):
    full = [m.group(1) for line in lines if (m := re.fullmatch(r"SCAN (\S+)", line.strip()))]
    used = [
        m.group(1) for line in lines for m in re.finditer(r"USING (?:COVERING )?INDEX (\S+)", line)
    ]
    sorts = sum(line.startswith("USE TEMP B-TREE") for line in lines)
    return {"full_scans": full, "indexes": used, "temp_btrees": sorts}


@check("q1", points=1)
def test_live_plans(student, stayhub_unseen):
    con = sqlite_scratch(sqlite_memory_copy(stayhub_sqlite(stayhub_unseen)))
    con.executescript(INDEXES)
    for query in QUERIES:
        lines = sqlite_plan(con, query)
        got = student.call("read_plan", lines)
        expected = reference(lines)
        wrong = [k for k in expected if not isinstance(got, dict) or got.get(k) != expected[k]]
        assert not wrong, (
            f"read_plan is wrong for a plan of {len(lines)} lines: check {', '.join(wrong)}"
        )
