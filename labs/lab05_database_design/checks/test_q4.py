"""Question 4: fd_holds(con, table, lhs, rhs) on the StayHub data."""

from prodev.checking import check
from prodev.checking.student import duckdb_connection

# (table, lhs, rhs) and whether the dependency holds in StayHub: true of every seed by design.
CASES = [
    ("properties", ["city"], ["country"], True),
    ("properties", ["country"], ["city"], False),
    ("bookings", ["start_date", "nights"], ["end_date"], True),
    ("bookings", ["property_id"], ["guest_id"], False),
    ("users", ["email"], ["user_id", "city"], True),
    ("bookings", ["guest_id"], ["status"], False),
]


@check("q4", points=1)
def test_known_dependencies(student, stayhub):
    for table, lhs, rhs, holds in CASES:
        got = student.call("fd_holds", duckdb_connection(stayhub), table, lhs, rhs)
        assert isinstance(got, bool), f"fd_holds should return True or False, not {got!r}"
        arrow = f"{', '.join(lhs)} -> {', '.join(rhs)} in {table}"
        assert got == holds, f"fd_holds says {arrow} {'holds' if got else 'fails'}; it does not"
