"""Question 3, hidden: unseen data, other dates, and the work the index saves."""

from prodev.checking import check
from prodev.kits.plans import sqlite_memory_copy, sqlite_plan, sqlite_steps, stayhub_sqlite
from prodev.kits.scratchdb import apply_script, split_statements, sqlite_scratch

QUERY = (
    "SELECT property_id, count(*) AS stays, sum(total_price) AS revenue FROM bookings "
    "WHERE status = 'confirmed' AND start_date >= ? GROUP BY property_id"
)


@check("q3", points=1)
def test_unseen_data_and_less_work(student, stayhub_unseen):
    ddl = student.value("covering_index")
    assert len(split_statements(ddl, ("CREATE",))) == 1, "write exactly one CREATE INDEX"
    source = stayhub_sqlite(stayhub_unseen)
    plain = sqlite_scratch(sqlite_memory_copy(source))
    indexed = sqlite_scratch(sqlite_memory_copy(source))
    apply_script(indexed, ddl, ("CREATE",), label="covering_index")
    for date in ("2025-09-30", "2024-02-29"):
        assert sorted(plain.execute(QUERY, (date,)).fetchall()) == sorted(
            indexed.execute(QUERY, (date,)).fetchall()
        ), "on other data, the rows differ with your index"
        lines = sqlite_plan(indexed, QUERY, (date,))
        assert any("COVERING INDEX" in line for line in lines), (
            "on other data, the index does not cover"
        )
    before = sqlite_steps(plain, QUERY, ("2025-09-01",))
    after = sqlite_steps(indexed, QUERY, ("2025-09-01",))
    assert after * 2 <= before, (
        f"with your index the query does only {before / max(after, 1):.2f} times less work; "
        "expected at least 2"
    )
