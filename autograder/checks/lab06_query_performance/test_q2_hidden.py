"""Question 2, hidden: other guests, properties and ranges on unseen data; work done."""

from prodev.checking import check
from prodev.kits.plans import sqlite_memory_copy, sqlite_plan, sqlite_steps, stayhub_sqlite
from prodev.kits.scratchdb import apply_script, split_statements, sqlite_scratch

QUERY_A = "SELECT booking_id, start_date, total_price FROM bookings WHERE guest_id = ?"
QUERY_B = (
    "SELECT booking_id, guest_id FROM bookings "
    "WHERE property_id = ? AND start_date >= ? AND start_date < ?"
)
PARAMS_A = [(g,) for g in (1, 99, 777, 2000, 5000)]
PARAMS_B = [(p, "2025-02-01", "2025-03-01") for p in (2, 88, 499)] + [
    (5, "2020-01-01", "2030-01-01")
]


@check("q2", points=1)
def test_unseen_data(student, stayhub_unseen):
    ddl = student.value("lookup_indexes")
    assert len(split_statements(ddl, ("CREATE",))) <= 2, "more than two indexes"
    source = stayhub_sqlite(stayhub_unseen)
    plain = sqlite_scratch(sqlite_memory_copy(source))
    indexed = sqlite_scratch(sqlite_memory_copy(source))
    apply_script(indexed, ddl, ("CREATE",), label="lookup_indexes")
    for label, query, params in (("A", QUERY_A, PARAMS_A), ("B", QUERY_B, PARAMS_B)):
        for p in params:
            assert sorted(plain.execute(query, p).fetchall()) == sorted(
                indexed.execute(query, p).fetchall()
            ), f"on other data, query {label} returns different rows with your indexes"
            lines = sqlite_plan(indexed, query, p)
            assert not any(line.startswith("SCAN bookings") for line in lines), (
                f"on other data, query {label} scans bookings"
            )
            before, after = sqlite_steps(plain, query, p), sqlite_steps(indexed, query, p)
            assert after * 10 <= before, (
                f"on other data, query {label} does {before / max(after, 1):.1f} times less "
                "work with your indexes; expected at least 10"
            )
