"""Question 3: a covering index for the revenue dashboard."""

from prodev.checking import check
from prodev.kits.plans import stayhub_sqlite
from prodev.kits.scratchdb import split_statements
from prodev.kits.scratchplan import ScratchPlan

QUERY = (
    "SELECT property_id, count(*) AS stays, sum(total_price) AS revenue FROM bookings "
    "WHERE status = 'confirmed' AND start_date >= ? GROUP BY property_id"
)
DATES = ["2025-01-01", "2024-06-15", "2023-01-01"]


def indexed_copy(student, dataset) -> ScratchPlan:
    ddl = student.value("covering_index")
    statements = split_statements(ddl, ("CREATE",))
    assert len(statements) == 1, f"write exactly one CREATE INDEX, not {len(statements)} statements"
    assert "INDEX" in statements[0].upper().split("(")[0], "write a CREATE INDEX statement"
    source = str(stayhub_sqlite(dataset))
    plan = ScratchPlan().database("plain", "sqlite", copy_of=source)
    return plan.database(
        "indexed", "sqlite", copy_of=source, script=ddl, allowed=("CREATE",), label="covering_index"
    )


@check("q3", points=1)
def test_covering_search_and_same_rows(student, stayhub):
    plan = indexed_copy(student, stayhub)
    probes = [
        (
            date,
            plan.probe("indexed", "plan", query=QUERY, params=[date]),
            plan.probe("indexed", "compare", query=QUERY, params=[date], expected_db="plain"),
        )
        for date in DATES
    ]
    report = plan.run(student)
    report.raise_for("plain", "indexed")
    for date, lines, same in probes:
        lines = report.value(lines)
        reads = [line for line in lines if " bookings" in line and "B-TREE" not in line]
        assert reads and "USING COVERING INDEX" in reads[0], (
            f"SQLite does not answer the query from the index alone (plan: {lines}): "
            "which column does the query read that the index lacks?"
        )
        assert reads[0].startswith("SEARCH") and "status=?" in reads[0], (
            f"SQLite scans the whole index (plan: {lines}): lead with the filtered columns"
        )
        assert report.value(same)["same"], f"with your index the rows differ for the date {date}"
