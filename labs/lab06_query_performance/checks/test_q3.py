"""Question 3: a covering index for the revenue dashboard."""

from prodev.checking import check
from prodev.kits.plans import sqlite_memory_copy, sqlite_plan, stayhub_sqlite
from prodev.kits.scratchdb import apply_script, split_statements, sqlite_scratch

QUERY = (
    "SELECT property_id, count(*) AS stays, sum(total_price) AS revenue FROM bookings "
    "WHERE status = 'confirmed' AND start_date >= ? GROUP BY property_id"
)
DATES = ["2025-01-01", "2024-06-15", "2023-01-01"]


def databases(student, dataset):
    ddl = student.value("covering_index")
    statements = split_statements(ddl, ("CREATE",))
    assert len(statements) == 1, f"write exactly one CREATE INDEX, not {len(statements)} statements"
    assert "INDEX" in statements[0].upper().split("(")[0], "write a CREATE INDEX statement"
    source = stayhub_sqlite(dataset)
    plain = sqlite_scratch(sqlite_memory_copy(source))
    indexed = sqlite_scratch(sqlite_memory_copy(source))
    apply_script(indexed, ddl, ("CREATE",), label="covering_index")
    return plain, indexed


@check("q3", points=1)
def test_covering_search_and_same_rows(student, stayhub):
    plain, indexed = databases(student, stayhub)
    for date in DATES:
        lines = sqlite_plan(indexed, QUERY, (date,))
        reads = [line for line in lines if " bookings" in line and "B-TREE" not in line]
        assert reads and "USING COVERING INDEX" in reads[0], (
            f"SQLite does not answer the query from the index alone (plan: {lines}): "
            "which column does the query read that the index lacks?"
        )
        assert reads[0].startswith("SEARCH") and "status=?" in reads[0], (
            f"SQLite scans the whole index (plan: {lines}): lead with the filtered columns"
        )
        before = sorted(plain.execute(QUERY, (date,)).fetchall())
        after = sorted(indexed.execute(QUERY, (date,)).fetchall())
        assert before == after, f"with your index the rows differ for the date {date}"
