"""Question 3, hidden: unseen data, other dates, and the work the index saves."""

from prodev.checking import check
from prodev.kits.plans import stayhub_sqlite
from prodev.kits.scratchdb import split_statements
from prodev.kits.scratchplan import ScratchPlan

QUERY = (
    "SELECT property_id, count(*) AS stays, sum(total_price) AS revenue FROM bookings "
    "WHERE status = 'confirmed' AND start_date >= ? GROUP BY property_id"
)


@check("q3", points=1)
def test_unseen_data_and_less_work(student, stayhub_unseen):
    ddl = student.value("covering_index")
    assert len(split_statements(ddl, ("CREATE",))) == 1, "write exactly one CREATE INDEX"
    source = str(stayhub_sqlite(stayhub_unseen))
    plan = ScratchPlan().database("plain", "sqlite", copy_of=source)
    plan.database(
        "indexed", "sqlite", copy_of=source, script=ddl, allowed=("CREATE",), label="covering_index"
    )
    probes = [
        (
            plan.probe("indexed", "compare", query=QUERY, params=[date], expected_db="plain"),
            plan.probe("indexed", "plan", query=QUERY, params=[date]),
        )
        for date in ("2025-09-30", "2024-02-29")
    ]
    before = plan.probe("plain", "steps", query=QUERY, params=["2025-09-01"])
    after = plan.probe("indexed", "steps", query=QUERY, params=["2025-09-01"])
    report = plan.run(student)
    report.raise_for("plain", "indexed")
    for same, lines in probes:
        assert report.value(same)["same"], "on other data, the rows differ with your index"
        assert any("COVERING INDEX" in line for line in report.value(lines)), (
            "on other data, the index does not cover"
        )
    before, after = report.value(before), report.value(after)
    assert after * 2 <= before, (
        f"with your index the query does only {before / max(after, 1):.2f} times less work; "
        "expected at least 2"
    )
