"""Question 4, hidden: dependencies on unseen data, several columns, and NULLs as values."""

import duckdb

from prodev.checking import check
from prodev.checking.student import duckdb_connection, duckdb_script

CASES = [
    ("bookings", ["booking_id"], ["property_id", "guest_id", "total_price"]),
    ("bookings", ["property_id", "start_date"], ["guest_id"]),
    ("bookings", ["start_date", "nights"], ["end_date", "status"]),
    ("bookings", ["guest_id", "property_id"], ["status"]),
    ("users", ["city"], ["country"]),
    ("users", ["first_name", "last_name"], ["email"]),
    ("payments", ["booking_id", "status"], ["paid_at"]),
    ("payments", ["status"], ["paid_at"]),
    ("users", ["country"], ["phone"]),
    # NULL as a value: a booking's failed payment (paid_at NULL) beside its paid one, so the
    # group holds NULL and one date (count(DISTINCT) sees one value); NULL on the left too.
    ("payments", ["booking_id"], ["paid_at"]),
    ("payments", ["paid_at"], ["booking_id"]),
    ("payments", ["booking_id"], ["amount", "paid_at"]),
]


# Hand-made rows where NULL decides each answer (the generated data holds NULLs only where a
# payment has no paid_at): NULL beside NULL agrees, NULL beside a value does not, on either side,
# and a left side whose only repeated value is NULL.
PLANTED = """
CREATE TABLE stay_notes (note_id INTEGER, tag TEXT, mood TEXT, colour TEXT, code INTEGER);
INSERT INTO stay_notes VALUES
    (1, 'x', 'p', NULL, NULL), (2, 'x', 'p', NULL, NULL), (3, 'y', 'q', 'u', 3),
    (4, NULL, 'r', 'v', 4), (5, NULL, 'r', 'v', 5), (6, 'z', NULL, 'w', 6),
    (7, 'z', 's', 'w', 7);
"""
PLANTED_CASES = [
    ("stay_notes", ["tag"], ["colour"]),  # NULL twice on the right of one tag: holds
    ("stay_notes", ["tag"], ["mood"]),  # NULL and a value on the right: fails
    ("stay_notes", ["mood"], ["tag"]),  # NULL on the left, one right value each: holds
    ("stay_notes", ["code"], ["note_id"]),  # only NULL repeats on the left, disagreeing: fails
    ("stay_notes", ["tag", "mood"], ["colour"]),  # NULLs in a two-column left side: holds
    ("stay_notes", ["colour"], ["mood", "tag"]),  # NULL on both sides at once: fails
]


def truth(path, table, lhs, rhs, script=None) -> bool:
    """Decide the dependency in plain Python from the distinct (lhs, rhs) pairs."""
    con = duckdb.connect(":memory:") if script else duckdb.connect(str(path), read_only=True)
    try:
        if script:
            con.execute(script)
        pairs = con.execute(f"SELECT DISTINCT {', '.join(lhs + rhs)} FROM {table}").fetchall()
    finally:
        con.close()
    seen: dict[tuple, tuple] = {}
    for row in pairs:
        key, value = row[: len(lhs)], row[len(lhs) :]
        if seen.setdefault(key, value) != value:
            return False
    return True


@check("q4", points=1)
def test_unseen_dependencies(student, stayhub_unseen):
    for table, lhs, rhs in CASES:
        expected = truth(stayhub_unseen, table, lhs, rhs)
        got = student.call("fd_holds", duckdb_connection(stayhub_unseen), table, lhs, rhs)
        arrow = f"{', '.join(lhs)} -> {', '.join(rhs)} in {table}"
        assert got is expected, (
            f"on other data, fd_holds is wrong about {arrow}: "
            "check several columns on each side, and NULL treated as a value"
        )
    for table, lhs, rhs in PLANTED_CASES:
        expected = truth(None, table, lhs, rhs, script=PLANTED)
        got = student.call("fd_holds", duckdb_script(PLANTED), table, lhs, rhs)
        arrow = f"{', '.join(lhs)} -> {', '.join(rhs)}"
        assert got is expected, (
            f"on hand-made rows with NULLs, fd_holds is wrong about {arrow}: NULL is a value "
            "like any other, equal to NULL and different from every other value"
        )
