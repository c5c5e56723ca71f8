"""Question 4, hidden: dependencies on unseen data, several columns, and NULLs as values."""

import duckdb

from prodev.checking import check
from prodev.checking.student import duckdb_connection

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


def truth(path, table, lhs, rhs) -> bool:
    """Decide the dependency in plain Python from the distinct (lhs, rhs) pairs."""
    con = duckdb.connect(str(path), read_only=True)
    try:
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
